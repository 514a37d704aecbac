import { ErrorCode } from './error-codes.js';
import type { Database, ListOptions, Span, TableDef, TableName } from '../storage/index.js';
import { fail } from './errors.js';
import { parseAsof, parseCursor, parseId, parseLimit } from './query.js';

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
