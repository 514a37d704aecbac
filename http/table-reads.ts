import { Type } from '@sinclair/typebox';
import type { FastifyContextConfig, FastifyRequest } from 'fastify';
import { ErrorCode } from './error-codes.js';
import type { Database, ListOptions, Span, TableDef, TableName } from '../storage/index.js';
import type { ApiContext } from './context.js';
import { fail } from './errors.js';
import { parseAsof, parseCursor, parseId, parseLimit } from './query.js';
import type { TypedApp } from './route-types.js';
import { AsofQuery, IdParams } from './schemas.js';

type Values = Record<string, unknown>;

/** The operations every table offers, seen without their row types. */
export interface AnyTable {
  add(fields: Values): Promise<Values>;
  get(id: number): Promise<Values | null>;
  find(criteria: Values): Promise<number | null>;
  set(fields: Values): Promise<Values>;
  list(options: ListOptions): Promise<Values[]>;
}

export const tableOf = (db: Database, name: TableName): AnyTable =>
  db[name as 'device'] as unknown as AnyTable;

/**
 * The reads every table resource shares (the TESS tables' in resources.ts, the gateway's
 * in gateway/): a row by id as of `asof=`, and a page of current entries with `after=`
 * and `limit=`, so that both speak the same conventions.
 */

/** The row `idText` of `name` as of `asofText` (404 when there is none then). */
export async function rowById(
  db: Database,
  now: Date,
  name: TableName,
  idText: string,
  asofText: string | undefined,
): Promise<Values> {
  const id = parseId(idText, 'id');
  const asof = parseAsof(asofText, now);
  const found = await tableOf(asof ? db.at(asof) : db, name).get(id);
  if (!found) throw fail(ErrorCode.NOT_FOUND, `${name} ${id} not found`);
  return found;
}

export interface Page {
  readonly items: Values[];
  /** Cursor of the next page (after=), null at the end. */
  readonly next: number | null;
}

/** A page of `def`'s current entries matching `where`, at the handle's clock. */
export async function listPage(
  db: Database,
  def: TableDef,
  query: { readonly after?: string | undefined; readonly limit?: string | undefined },
  where: Values,
  begunWithin?: readonly Span[],
): Promise<Page> {
  const limit = parseLimit(query.limit);
  const rows = await tableOf(db, def.name).list({
    where,
    after: parseCursor(query.after),
    limit,
    ...(begunWithin ? { begunWithin } : {}),
  });
  const last = rows[rows.length - 1];
  return { items: rows, next: rows.length === limit && last ? (last[def.id] as number) : null };
}

/**
 * GET on a collection: the one entry when every natural-key column is filtered on (404
 * "`notFound` not found" when there is none), else a page of entries. `one` checks and
 * shows the entry found; `show`, when given, shows each listed row.
 */
export async function findOrList(
  db: Database,
  def: TableDef,
  query: { readonly after?: string | undefined; readonly limit?: string | undefined },
  filters: Values,
  options: {
    readonly notFound: string;
    readonly one: (row: Values) => Promise<Values>;
    readonly show?: (row: Values) => Values;
    readonly begunWithin?: readonly Span[] | undefined;
  },
): Promise<Values | Page> {
  if (def.key.length && def.key.every((k) => filters[k] !== undefined && filters[k] !== null)) {
    const id = await tableOf(db, def.name).find(filters);
    const found = id === null ? null : await tableOf(db, def.name).get(id);
    if (!found) throw fail(ErrorCode.NOT_FOUND, `${options.notFound} not found`);
    return options.one(found);
  }
  const page = await listPage(db, def, query, filters, options.begunWithin);
  return options.show ? { items: page.items.map(options.show), next: page.next } : page;
}

/** GET `url` (ending in /:id): a row of `name` by id, as of asof=; `answer` checks and shows it. */
export function registerRowById(
  app: TypedApp,
  ctx: ApiContext,
  route: {
    readonly name: TableName;
    readonly url: string;
    readonly tags: string[];
    readonly config: FastifyContextConfig;
    readonly answer: (request: FastifyRequest, row: Values) => Promise<Values>;
  },
): void {
  app.route({
    method: 'GET',
    url: route.url,
    config: route.config,
    schema: {
      tags: route.tags,
      summary: `get one ${route.name} row by its id`,
      params: IdParams,
      querystring: AsofQuery,
      response: { 200: Type.Ref(`${route.name}Row`), '4xx': Type.Ref('Error') },
    },
    handler: async (request) =>
      route.answer(
        request,
        await rowById(ctx.db, ctx.now(), route.name, request.params.id, request.query.asof),
      ),
  });
}
