import type pg from 'pg';
import { quoteIdent, tableSql } from '../connection.js';
import type { RowOf } from '../rows.js';
import { TABLES, type TableName } from '../tables.js';

/** Anything that runs a query: a pool or one client. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** The clock parameter of as-of reads: a time, or 'infinity' for now. */
export const asofParam = (asof: Date | null): Date | string => asof ?? 'infinity';

/**
 * The version in effect at `asof` of the entry that row `id` belongs to (any row id of
 * the entry will do), or null when the entry did not exist then.
 */
export async function currentOf<T extends TableName>(
  db: Queryable,
  table: T,
  id: number,
  asof: Date | null = null,
): Promise<RowOf[T] | null> {
  const def = TABLES[table];
  const T = tableSql(def);
  const ID = quoteIdent(def.id);
  if (def.key.length === 0) {
    const { rows } = await db.query(`SELECT * FROM ${T} WHERE ${ID} = $1 AND created <= $2`, [
      id,
      asofParam(asof),
    ]);
    return (rows[0] as RowOf[T]) ?? null;
  }
  const join = def.key.map((k) => `c.${quoteIdent(k)} = f.${quoteIdent(k)}`).join(' AND ');
  const { rows } = await db.query(
    `SELECT c.* FROM ${T} f JOIN ${T} c ON ${join}
     WHERE f.${ID} = $1 AND c.created <= $2
     ORDER BY c.created DESC, c.${ID} DESC LIMIT 1`,
    [id, asofParam(asof)],
  );
  return (rows[0] as RowOf[T]) ?? null;
}

/** Entry id of the system named `name`, or null. */
export async function systemIdByName(db: Queryable, name: string): Promise<number | null> {
  const { rows } = await db.query(
    'SELECT system_id FROM system WHERE name = $1 ORDER BY created, system_id LIMIT 1',
    [name],
  );
  return rows[0]?.system_id ?? null;
}

/** Entry id of resource `name` of a system, or null. */
export async function resourceIdByName(
  db: Queryable,
  systemId: number,
  name: string,
): Promise<number | null> {
  const { rows } = await db.query(
    'SELECT resource_id FROM resource WHERE system_id = $1 AND name = $2 ORDER BY created, resource_id LIMIT 1',
    [systemId, name],
  );
  return rows[0]?.resource_id ?? null;
}

/** The current value of a system's config variable; undefined when the variable does not exist. */
export async function configValue(
  db: Queryable,
  systemId: number,
  name: string,
  asof: Date | null = null,
): Promise<string | null | undefined> {
  const { rows } = await db.query(
    `SELECT value FROM config WHERE system_id = $1 AND name = $2 AND created <= $3
     ORDER BY created DESC, config_id DESC LIMIT 1`,
    [systemId, name, asofParam(asof)],
  );
  return rows.length ? (rows[0].value as string | null) : undefined;
}
