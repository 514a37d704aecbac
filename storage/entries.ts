import type pg from 'pg';
import { quoteIdent, tableSql } from './connection.js';
import { TABLES, type TableName } from './tables.js';

/**
 * Maps any row id to its entry id (the id of the entry's first row). Rows never change,
 * so a mapping once read is true forever and is cached.
 */
export class EntryIds {
  private readonly cache = new Map<TableName, Map<number, number>>();
  private static readonly LIMIT = 200_000;

  private tableCache(table: TableName): Map<number, number> {
    let m = this.cache.get(table);
    if (!m) {
      m = new Map();
      this.cache.set(table, m);
    }
    return m;
  }

  /** Entry ids of `ids` in `table`; ids that name no row are absent from the result. */
  async resolve(
    client: pg.Pool | pg.PoolClient | pg.Client,
    table: TableName,
    ids: Iterable<number>,
  ): Promise<Map<number, number>> {
    const cache = this.tableCache(table);
    const out = new Map<number, number>();
    const missing: number[] = [];
    for (const id of ids) {
      const hit = cache.get(id);
      if (hit !== undefined) out.set(id, hit);
      else if (!out.has(id)) missing.push(id);
    }
    if (missing.length === 0) return out;
    const def = TABLES[table];
    const T = tableSql(def);
    const ID = quoteIdent(def.id);
    const join = def.key.map((k) => `b.${quoteIdent(k)} = a.${quoteIdent(k)}`).join(' AND ');
    const sql = def.key.length
      ? `SELECT a.${ID} AS id, (SELECT b.${ID} FROM ${T} b WHERE ${join} ORDER BY b.created, b.${ID} LIMIT 1) AS entry
           FROM ${T} a WHERE a.${ID} = ANY($1::bigint[])`
      : `SELECT a.${ID} AS id, a.${ID} AS entry FROM ${T} a WHERE a.${ID} = ANY($1::bigint[])`;
    const { rows } = await client.query(sql, [missing]);
    if (cache.size + rows.length > EntryIds.LIMIT) cache.clear();
    for (const { id, entry } of rows) {
      cache.set(id, entry);
      out.set(id, entry);
    }
    return out;
  }
}
