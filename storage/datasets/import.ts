import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import {
  type Coverage,
  CoverageTally,
  checkSiteId,
  DATASETS,
  type DatasetType,
  type PlacedRow,
} from '../../engine/datasets/index.js';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { quoteIdent } from '../connection.js';
import type { Database } from '../database.js';
import { translatePgError } from '../pg-errors.js';
import { metadataSql, seriesColumns, seriesSql } from './dataset-sql.js';
import { currentSite } from './sites.js';

export interface DatasetImport {
  readonly type: DatasetType;
  readonly siteId: string;
  /** The system the site must belong to (the importer's). */
  readonly systemId: number;
  /** What produced the data (a source, a model and its parameters): kept as the metadata's params. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The dataset of the same type and site this one corrects. */
  readonly supersedes?: string | null;
  /** The type's own metadata (tariffs: currency, energy_unit). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The rows, each checked as it was read (engine/datasets); read once, in any order. */
  readonly rows: AsyncIterable<PlacedRow> | Iterable<PlacedRow>;
  /** Told of the rows written so far, every PROGRESS_EVERY rows and at the end. */
  readonly onProgress?: (rows: number) => void;
}

export interface ImportResult {
  readonly datasetId: string;
  readonly type: DatasetType;
  readonly siteId: string;
  readonly coverage: Coverage;
}

const PROGRESS_EVERY = 10_000;
/** Rows handed to COPY at once. */
const CHUNK_ROWS = 10_000;
/** The largest params object kept, as JSON. */
export const PARAMS_MAX_BYTES = 65_536;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalid = (message: string) => new TessError(ErrorCode.INVALID, message);

/** The type's metadata columns and their values: each named or defaulted, and only its own. */
function typeMetadata(type: DatasetType, given: Readonly<Record<string, string>>): Record<string, string> {
  const def = DATASETS[type];
  const out: Record<string, string> = {};
  for (const name of Object.keys(given)) {
    if (!def.metadata.some((m) => m.name === name)) throw invalid(`${name}: not metadata of ${type}`);
  }
  for (const m of def.metadata) {
    const value = given[m.name] ?? m.default;
    if (value === undefined || value.trim() === '')
      throw invalid(`${m.name}: required for ${type} (e.g. USD)`);
    if (value.length > 32) throw invalid(`${m.name}: at most 32 characters`);
    if (m.values && !m.values.includes(value))
      throw invalid(`${m.name}: one of ${m.values.join(', ')}, not "${value}"`);
    out[m.name] = value;
  }
  return out;
}

/**
 * Writes a new dataset: its metadata and every row, in one transaction, streamed into
 * the series with COPY as the rows are read, so memory stays flat whatever the size. A
 * row that fails its checks, two rows that overlap, or a refusal of the database ends
 * the transaction and nothing is stored. The dataset's id is a new random UUIDv4.
 * Answers what the rows cover, with their gaps.
 */
export async function importDataset(db: Database, spec: DatasetImport): Promise<ImportResult> {
  const { type } = spec;
  const def = DATASETS[type];
  const siteId = checkSiteId(spec.siteId, 'site');
  const metadata = typeMetadata(type, spec.metadata ?? {});
  const params = JSON.stringify(spec.params ?? {});
  if (Buffer.byteLength(params) > PARAMS_MAX_BYTES)
    throw invalid(`params: at most ${PARAMS_MAX_BYTES} bytes of JSON`);
  const supersedes = spec.supersedes ?? null;
  if (supersedes !== null && !UUID.test(supersedes))
    throw invalid('supersedes: a dataset id (a UUID) is required');
  const datasetId = randomUUID();

  try {
    return await db.withTransaction(async (tx, client) => {
      const site = await currentSite(tx, siteId);
      if (!site || site.system_id !== spec.systemId) {
        throw new TessError(ErrorCode.NOT_FOUND, `site ${siteId} not found`);
      }
      if (supersedes !== null) {
        const { rows } = await client.query(
          `SELECT site_id FROM ${metadataSql(type)} WHERE dataset_id = $1`,
          [supersedes],
        );
        if (rows.length === 0)
          throw new TessError(ErrorCode.NOT_FOUND, `supersedes: ${type} dataset ${supersedes} not found`);
        if (rows[0].site_id !== siteId) {
          throw invalid(`supersedes: dataset ${supersedes} is of site ${rows[0].site_id}, not ${siteId}`);
        }
      }
      const extra = Object.keys(metadata);
      await client.query(
        `INSERT INTO ${metadataSql(type)} (dataset_id, site_id, params, supersedes${extra.map((n) => `, ${quoteIdent(n)}`).join('')})
         VALUES ($1, $2, $3::jsonb, $4${extra.map((_, i) => `, $${i + 5}`).join('')})`,
        [datasetId, siteId, params, supersedes, ...extra.map((n) => metadata[n])],
      );

      const tally = new CoverageTally();
      let written = 0;
      const width = def.columns.length;
      async function* lines(): AsyncGenerator<string> {
        let chunk = '';
        let inChunk = 0;
        // Rows end where the next begins: the time last written is often the next one's start.
        let lastMs = Number.NaN;
        let lastIso = '';
        const isoOf = (ms: number) => {
          if (ms !== lastMs) {
            lastMs = ms;
            lastIso = new Date(ms).toISOString();
          }
          return lastIso;
        };
        for await (const row of spec.rows) {
          tally.add(row.start, row.end, row.place);
          const start = isoOf(row.start);
          let line = `${datasetId}\t${start}\t${isoOf(row.end)}`;
          for (let i = 0; i < width; i++) {
            const v = row.values[i];
            line += v === null || v === undefined ? '\t\\N' : `\t${v}`;
          }
          chunk += `${line}\n`;
          written++;
          if (++inChunk === CHUNK_ROWS) {
            yield chunk;
            chunk = '';
            inChunk = 0;
          }
          if (written % PROGRESS_EVERY === 0) spec.onProgress?.(written);
        }
        if (chunk) yield chunk;
      }
      const columns = seriesColumns(type).map(quoteIdent).join(', ');
      await pipeline(
        Readable.from(lines()),
        client.query(copyFrom(`COPY ${seriesSql(type)} (${columns}) FROM STDIN`)),
      );
      spec.onProgress?.(written);
      const coverage = tally.finish();
      if (coverage.rows === 0) throw invalid('the dataset has no rows');
      return { datasetId, type, siteId, coverage };
    });
  } catch (err) {
    throw translatePgError(err);
  }
}
