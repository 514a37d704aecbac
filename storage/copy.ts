import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent } from './connection.js';
import { encodeValue } from './copy-text.js';
import type { TableDef } from './tables.js';

const COPY_BATCH = 2_000;

/**
 * Streams rows into a table with COPY … FROM STDIN, in text format, a few thousand rows
 * per chunk so memory stays flat however many rows there are. With `ids`, the rows keep
 * those ids (reserved beforehand from the table's sequence).
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
  function* chunks(): Generator<string> {
    let buf = '';
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      let line = ids ? `${ids[i]}\t` : '';
      for (let j = 0; j < cols.length; j++) {
        if (j) line += '\t';
        line += encodeValue(row[cols[j]!], kinds[j]!);
      }
      buf += `${line}\n`;
      if ((i + 1) % COPY_BATCH === 0) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  await pipeline(
    Readable.from(chunks()),
    client.query(copyFrom(`COPY ${quoteIdent(def.name)} (${names}) FROM STDIN`)),
  );
  return rows.length;
}
