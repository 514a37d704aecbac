import type { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  csvSeriesRows,
  DATASET_TYPES,
  DATASETS,
  type DatasetType,
  type PlacedRow,
  readJsonRow,
} from '../../engine/datasets/index.js';
import { parseTime } from '../../engine/time.js';
import {
  type DatasetInfo,
  getDataset,
  type ImportResult,
  importDataset,
  listDatasets,
  readWindow,
  valueAt,
} from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { BASE } from '../paths.js';
import { parseAsof, parseLimit } from '../query.js';
import type { TypedApp } from '../route-types.js';
import { OneOf, Time } from '../schemas.js';

export const DATASETS_BASE = `${BASE}/datasets`;

/** The largest CSV body read: a million rows of a few columns is about 70 MB. */
export const CSV_BODY_MAX = 256 * 1024 * 1024;
/** The largest JSON body: rows in JSON are for small datasets; files go as CSV. */
const JSON_BODY_MAX = 16 * 1024 * 1024;
const JSON_ROWS_MAX = 100_000;
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const TypeParams = Type.Object({ type: OneOf(DATASET_TYPES) }, { additionalProperties: false });
const DatasetParams = Type.Object(
  { type: OneOf(DATASET_TYPES), dataset_id: Type.String({ pattern: UUID }) },
  { additionalProperties: false },
);

/** What an import tells back: the new dataset and what its rows cover. */
const Imported = Type.Object({
  dataset_id: Type.String(),
  type: Type.String(),
  site_id: Type.String(),
  rows: Type.Integer(),
  from: Time,
  to: Time,
  gap_count: Type.Integer(),
  gaps: Type.Array(Type.Object({ from: Time, to: Time })),
});

const Info = Type.Object({
  dataset_id: Type.String(),
  type: Type.String(),
  site_id: Type.String(),
  created_at: Time,
  params: Type.Record(Type.String(), Type.Unknown()),
  supersedes: Type.Union([Type.String(), Type.Null()]),
  superseded_by: Type.Array(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
  units: Type.Record(Type.String(), Type.String()),
  rows: Type.Integer(),
  from: Time,
  to: Time,
});

/** The query of a CSV import: the metadata a CSV file cannot carry. */
const ImportQuery = Type.Object(
  {
    site: Type.Optional(Type.String({ maxLength: 63 })),
    supersedes: Type.Optional(Type.String({ pattern: UUID })),
    params: Type.Optional(
      Type.String({ maxLength: 65_536, description: 'a JSON object: what produced the data' }),
    ),
    currency: Type.Optional(Type.String({ maxLength: 32 })),
    energy_unit: Type.Optional(Type.String({ maxLength: 8 })),
  },
  { additionalProperties: false },
);

/** A JSON import: the same metadata, and the rows. */
const ImportBody = Type.Object(
  {
    site: Type.String({ maxLength: 63 }),
    supersedes: Type.Optional(Type.String({ pattern: UUID })),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    currency: Type.Optional(Type.String({ maxLength: 32 })),
    energy_unit: Type.Optional(Type.String({ maxLength: 8 })),
    rows: Type.Array(Type.Unknown(), { maxItems: JSON_ROWS_MAX }),
  },
  { additionalProperties: false },
);

type ImportFields = {
  site?: string | undefined;
  supersedes?: string | undefined;
  params?: unknown;
  currency?: string | undefined;
  energy_unit?: string | undefined;
};

const unitsOf = (type: DatasetType): Record<string, string> =>
  Object.fromEntries(DATASETS[type].columns.map((c) => [c.name, c.unit]));

const showInfo = (d: DatasetInfo) => ({ ...d, units: unitsOf(d.type) });

const iso = (ms: number) => new Date(ms).toISOString();

const showImport = (r: ImportResult) => ({
  dataset_id: r.datasetId,
  type: r.type,
  site_id: r.siteId,
  rows: r.coverage.rows,
  from: iso(r.coverage.from!),
  to: iso(r.coverage.to!),
  gap_count: r.coverage.gapCount,
  gaps: r.coverage.gaps.map((g) => ({ from: iso(g.from), to: iso(g.to) })),
});

/** The type's metadata given in a request (tariffs: currency, energy_unit), only as given. */
function metadataOf(fields: ImportFields): Record<string, string> {
  const out: Record<string, string> = {};
  if (fields.currency !== undefined) out['currency'] = fields.currency;
  if (fields.energy_unit !== undefined) out['energy_unit'] = fields.energy_unit;
  return out;
}

function paramsOf(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail(ErrorCode.INVALID, 'query.params must be a JSON object');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fail(ErrorCode.INVALID, 'query.params must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A JSON import's body, checked against ImportBody; INVALID naming the first field that is wrong. */
function checkedBody(body: unknown): Static<typeof ImportBody> {
  if (Value.Check(ImportBody, body)) return body;
  const first = [...Value.Errors(ImportBody, body)][0];
  const where = first?.path ? `body${first.path.replace(/\//g, '.')}` : 'body';
  throw fail(
    ErrorCode.INVALID,
    `${where}: ${first?.message ?? 'not an import'} (a JSON import is {"site", "rows": [...]}; files go as text/csv)`,
  );
}

/** A request body stream, ended with 413 past `max` bytes. */
async function* bounded(body: Readable, max: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    seen += chunk.length;
    if (seen > max)
      throw fail(
        ErrorCode.TOO_LARGE,
        `the CSV body is larger than ${max} bytes: import it with tess dataset import`,
      );
    yield chunk;
  }
}

/**
 * Datasets over HTTP: import (CSV streamed, or JSON), list, and read a window or the
 * value in force at an instant. A dataset is read as of asof= like every resource: one
 * written later does not exist then.
 */
export async function registerDatasetRoutes(app: TypedApp, ctx: ApiContext): Promise<void> {
  const tags = ['datasets'];
  const errors = { '4xx': Type.Ref('Error') };

  // Awaited, so that its routes are declared before the server adds 405s for other methods.
  await app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // A CSV body is read as it arrives and streamed into COPY; the rest of the API reads JSON.
    scope.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

    scope.route({
      method: 'POST',
      url: `${DATASETS_BASE}/:type`,
      bodyLimit: JSON_BODY_MAX,
      config: { access: { resource: 'dataset', op: 'write' } },
      schema: {
        tags,
        summary:
          'import a dataset: a CSV body (text/csv; metadata in the query: site, currency…) or JSON {site, rows}',
        params: TypeParams,
        querystring: ImportQuery,
        response: { 201: Imported, ...errors },
      },
      handler: async (request, reply) => {
        const type = request.params.type;
        const def = DATASETS[type];
        const isCsv = /^text\/csv\b/i.test(request.headers['content-type'] ?? '');
        let fields: ImportFields;
        let rows: AsyncIterable<PlacedRow> | Iterable<PlacedRow>;
        if (isCsv) {
          fields = { ...request.query, params: paramsOf(request.query.params) };
          rows = csvSeriesRows(def, bounded(request.body as unknown as Readable, CSV_BODY_MAX));
        } else {
          if (Object.keys(request.query).length > 0) {
            throw fail(ErrorCode.INVALID, 'a JSON import carries its metadata in the body, not the query');
          }
          const body = checkedBody(request.body);
          fields = body;
          rows = body.rows.map((r, i) => ({ ...readJsonRow(def, r, i), place: `rows[${i}]` }));
        }
        if (fields.site === undefined)
          throw fail(ErrorCode.INVALID, 'query.site: the site the dataset is of is required');
        const params = fields.params as Record<string, unknown> | undefined;
        const result = await importDataset(ctx.db, {
          type,
          siteId: fields.site,
          systemId: request.principal!.systemId,
          ...(params ? { params } : {}),
          supersedes: fields.supersedes ?? null,
          metadata: metadataOf(fields),
          rows,
        });
        return reply.code(201).send(showImport(result));
      },
    });

    scope.route({
      method: 'GET',
      url: `${DATASETS_BASE}/:type`,
      config: { access: { resource: 'dataset', op: 'read' } },
      schema: {
        tags,
        summary: "list the system's datasets of a type, newest first (site=, asof=, limit=)",
        params: TypeParams,
        querystring: Type.Object(
          {
            site: Type.Optional(Type.String({ maxLength: 63 })),
            asof: Type.Optional(Type.String()),
            limit: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Info) }), ...errors },
      },
      handler: async (request) => {
        const asof = parseAsof(request.query.asof, ctx.now());
        const db = asof ? ctx.db.at(asof) : ctx.db;
        const items = await listDatasets(db, request.params.type, {
          systemId: request.principal!.systemId,
          siteId: request.query.site,
          limit: parseLimit(request.query.limit),
        });
        return { items: items.map(showInfo) };
      },
    });

    scope.route({
      method: 'GET',
      url: `${DATASETS_BASE}/:type/:dataset_id`,
      config: { access: { resource: 'dataset', op: 'read' } },
      schema: {
        tags,
        summary:
          'a dataset and its rows overlapping [from, to) (after=, limit=), or with at= the row in force then (start_ts <= at < end_ts)',
        params: DatasetParams,
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String()),
            to: Type.Optional(Type.String()),
            at: Type.Optional(Type.String()),
            after: Type.Optional(Type.String()),
            limit: Type.Optional(Type.String()),
            asof: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            dataset: Info,
            rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            next: Type.Union([Time, Type.Null()]),
          }),
          ...errors,
        },
      },
      handler: async (request, reply) => {
        reply.serializer(JSON.stringify);
        const { type, dataset_id } = request.params;
        const q = request.query;
        const asof = parseAsof(q.asof, ctx.now());
        const db = asof ? ctx.db.at(asof) : ctx.db;
        const datasetId = dataset_id.toLowerCase();
        const info = await getDataset(db, type, datasetId, request.principal!.systemId);
        if (!info) throw fail(ErrorCode.NOT_FOUND, `${type} dataset ${datasetId} not found`);
        const time = (value: string | undefined, name: string) =>
          value === undefined ? null : parseTime(value, name);
        if (q.at !== undefined) {
          if (q.from !== undefined || q.to !== undefined || q.after !== undefined || q.limit !== undefined) {
            throw fail(ErrorCode.INVALID, 'at= reads one instant: it takes no from, to, after or limit');
          }
          const row = await valueAt(db, type, datasetId, time(q.at, 'at')!);
          return { dataset: showInfo(info), rows: row ? [row] : [], next: null };
        }
        const from = time(q.from, 'from');
        const to = time(q.to, 'to');
        if (from && to && !(to > from)) throw fail(ErrorCode.INVALID, 'to must be after from');
        const limit = parseLimit(q.limit, 10_000, 1_000);
        const rows = await readWindow(db, type, datasetId, {
          from,
          to,
          after: time(q.after, 'after'),
          limit,
        });
        const last = rows.at(-1);
        return { dataset: showInfo(info), rows, next: rows.length === limit && last ? last.start_ts : null };
      },
    });
  });
}
