import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent, tableSql } from './connection.js';
import { BinaryRows } from './copy-binary.js';
import type { TableDef } from './tables.js';

const COPY_BATCH = 2_000;

/**
 * Streams rows into a table with COPY … FROM STDIN in PostgreSQL's binary format, a chunk
 * of a few thousand rows at a time so memory stays flat however many rows there are.
 * With `ids`, the rows keep those ids (reserved beforehand from the table's sequence).
 */
export async function copyRows(
  client: pg.PoolClient | pg.Client,
  def: TableDef,
  rows: readonly Record<string, unknown>[],
  ids?: readonly number[],
): Promise<number> {
  const cols = def.columns.map((c) => c.name);
  const kinds = def.columns.map((c) => c.kind);
  const names = (ids ? [def.id, ...cols] : cols).map(quoteIdent).join(', ');
  const fields = cols.length + (ids ? 1 : 0);
  function* chunks(): Generator<Buffer> {
    yield BinaryRows.header();
    const out = new BinaryRows();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      out.row(fields);
      if (ids) out.value(ids[i], 'bigint');
      for (let j = 0; j < cols.length; j++) out.value(row[cols[j]!], kinds[j]!);
      if ((i + 1) % COPY_BATCH === 0) yield out.take();
    }
    if (out.length) yield out.take();
    yield BinaryRows.trailer();
  }
  await pipeline(
    Readable.from(chunks()),
    client.query(copyFrom(`COPY ${tableSql(def)} (${names}) FROM STDIN (FORMAT binary)`)),
  );
  return rows.length;
}
