import { ErrorCode, TessError } from '../engine/errors.js';
import type { Client, Values } from './table-context.js';
import type { TableSql } from './table-sql.js';
import type { TableDef } from './tables.js';
import { checkFields } from './values.js';

/**
 * The natural-key side of writes, run inside their transaction: the locks that serialize
 * writers of one entry, the "{key} exists" and "{key} not found" checks they make
 * possible, and a change laid over the entry's current version.
 */

/**
 * Serializes writers of the same entry. Single writes lock their key and share a
 * table lock; bulk writes take the table lock exclusively (one lock instead of a
 * million, which the lock table could not hold).
 */
export async function lockKeys(client: Client, def: TableDef, rows: Values[], bulk: boolean): Promise<void> {
  if (def.key.length === 0) return;
  const table = `tess:${def.name}`;
  if (bulk) {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [table]);
    return;
  }
  await client.query('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [table]);
  for (const row of rows) {
    const key = JSON.stringify(
      def.key.map((k) => (row[k] instanceof Date ? (row[k] as Date).toISOString() : row[k])),
    );
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${table}:${key}`]);
  }
}

/** The newest row of the entry `row` names, if there is one. */
export async function currentByKey(client: Client, sql: TableSql, row: Values): Promise<Values | undefined> {
  const { sql: text, params } = sql.current(row);
  const { rows } = await client.query(text, params);
  return rows[0];
}

/** For setMany: fill unchanged columns from each entry's current row; for addMany: refuse taken keys. */
export async function checkBulkKeys(
  client: Client,
  sql: TableSql,
  rows: Values[],
  mode: 'add' | 'set',
): Promise<void> {
  const { def } = sql;
  const q = sql.currentOfMany(rows);
  const { rows: current } = await client.query(q.sql, q.params);
  const keyOf = (r: Values) =>
    JSON.stringify(def.key.map((k) => (r[k] instanceof Date ? (r[k] as Date).getTime() : r[k])));
  const byKey = new Map(current.map((r) => [keyOf(r), r as Values]));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const found = byKey.get(keyOf(row));
    if (mode === 'add' && found) throw new TessError(ErrorCode.EXISTS, `${label(def, row)} exists`);
    if (mode === 'set') {
      if (!found) throw new TessError(ErrorCode.NOT_FOUND, `${label(def, row)} not found`);
      rows[i] = checkFields(def, withCurrent(def, row, found), true);
    }
  }
}

/** Every column of the new version: the change's where it has one, else the current row's. */
export function withCurrent(def: TableDef, change: Values, current: Values): Values {
  const merged: Values = {};
  for (const col of def.columns) merged[col.name] = col.name in change ? change[col.name] : current[col.name];
  return merged;
}

/** The entry's name in messages: its label columns, times in ISO form. */
export function label(def: TableDef, row: Values): string {
  const parts = def.label.map((k) => {
    const v = row[k];
    return v instanceof Date ? v.toISOString() : String(v);
  });
  return parts.join(' ');
}
