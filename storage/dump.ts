import { refreshAllPriceAggregates } from './price-aggregates.js';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ErrorCode, TessError } from '../engine/errors.js';
import { quoteIdent } from './connection.js';
import type { Database } from './database.js';
import { allColumns, TABLE_ORDER, TABLES } from './tables.js';

/**
 * Dump file format (text, line oriented):
 *   TESS-DUMP 1
 *   TABLE <name> <column>,<column>,…
 *   <rows in COPY text format: one line each, tabs between values>
 *   \.
 *   … one block per table, in reference order …
 *   END <total rows>
 * COPY's text format escapes newlines inside values, so every row is one line and a
 * line holding only "\." can never be data.
 */
const MAGIC = 'TESS-DUMP 1';

interface DumpTable {
  readonly name: string;
  readonly columns: readonly string[];
  /** Identity column whose sequence continues after a load. */
  readonly id?: string;
}

/** The thirteen tables, then the runtime's record of cleared intervals. */
const DUMP_TABLES: readonly DumpTable[] = [
  ...TABLE_ORDER.map((name) => ({ name, columns: allColumns(TABLES[name]), id: TABLES[name].id })),
  {
    name: 'market_interval',
    columns: ['resource_id', 'interval_start', 'interval_end', 'price_id', 'created'],
  },
];

export type Progress = (table: string, rowsDone: number, rowsTotal: number) => void;

export interface DumpResult {
  readonly rows: Readonly<Record<string, number>>;
  readonly total: number;
}

/**
 * Writes every table, from one consistent snapshot, to `file`, streamed with COPY (no
 * table is held in memory), then logs a DUMP event.
 */
export async function dump(db: Database, file: string, onProgress?: Progress): Promise<DumpResult> {
  // Written beside its final name and renamed when whole: a failed dump leaves no file
  // that looks complete, and an unwritable path is reported before any work.
  const partial = `${file}.partial`;
  const handle = await open(partial, 'w').catch((err: NodeJS.ErrnoException) => {
    throw new TessError(ErrorCode.INVALID, `cannot write ${file}: ${err.code ?? err.message}`, {
      cause: err,
    });
  });
  const out = handle.createWriteStream();
  // A write error also rejects the pending write or `finish` below; this keeps it from
  // being an unhandled 'error' event as well.
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  const client = await db.pool.connect();
  const counts: Record<string, number> = {};
  let total = 0;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const sizes = new Map<string, number>();
    for (const { name } of DUMP_TABLES) {
      const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM ${quoteIdent(name)}`);
      sizes.set(name, rows[0].n);
    }
    await write(`${MAGIC}\n`);
    for (const { name, columns: cols } of DUMP_TABLES) {
      await write(`TABLE ${name} ${cols.join(',')}\n`);
      // COPY (SELECT …) rather than COPY table: on a hypertable the rows live in chunks.
      const order = cols.slice(0, 2).map(quoteIdent).join(', ');
      const source = client.query(
        copyTo(
          `COPY (SELECT ${cols.map(quoteIdent).join(', ')} FROM ${quoteIdent(name)} ORDER BY ${order}) TO STDOUT`,
        ),
      );
      const expected = sizes.get(name)!;
      let done = 0;
      let lastReport = 0;
      for await (const chunk of source as AsyncIterable<Buffer>) {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) done++;
        await write(chunk.toString('utf8'));
        if (onProgress && done - lastReport >= 10_000) {
          onProgress(name, done, expected);
          lastReport = done;
        }
      }
      onProgress?.(name, done, expected);
      await write('\\.\n');
      counts[name] = done;
      total += done;
    }
    await write(`END ${total}\n`);
    await client.query('COMMIT');
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    await rename(partial, file);
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  await db.log.add({ event: 'DUMP', table_name: null, message: `dumped ${total} rows to ${file}` });
  return { rows: counts, total };
}

/**
 * Loads a dump into an empty database (migrated, no entries), all in one transaction:
 * every row keeps its id and `created`, then a LOAD event is logged. The target's own
 * log (its creation record) is replaced by the dump's history.
 */
export async function load(db: Database, file: string, onProgress?: Progress): Promise<DumpResult> {
  for (const { name } of DUMP_TABLES) {
    if (name === 'log') continue;
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${quoteIdent(name)}`);
    if (rows[0].n > 0) {
      throw new TessError(
        ErrorCode.NOT_EMPTY,
        `cannot load into a database that holds data: table ${name} has ${rows[0].n} rows`,
      );
    }
  }
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const it = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string | undefined> => {
    const r = await it.next();
    return r.done ? undefined : r.value;
  };
  const fail = (why: string) => new TessError(ErrorCode.INVALID, `${file} is not a TESS dump: ${why}`);
  const counts: Record<string, number> = {};
  let total = 0;
  try {
    if ((await next()) !== MAGIC) throw fail(`the first line is not "${MAGIC}"`);
    await db.nonconformant(
      {
        event: 'LOAD',
        table: null,
        message: `loading ${file}: replacing this database's log with the dump's`,
      },
      async (client) => {
        await client.query('TRUNCATE log');
        for (const { name, columns, id } of DUMP_TABLES) {
          const header = await next();
          const expected = `TABLE ${name} ${columns.join(',')}`;
          if (header !== expected)
            throw fail(`expected "${expected}", found ${JSON.stringify(header?.slice(0, 80))}`);
          const sink = client.query(
            copyFrom(`COPY ${quoteIdent(name)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`),
          );
          let done = 0;
          let ended = false;
          async function* rows(): AsyncGenerator<string> {
            let batch = '';
            for (let line = await next(); line !== undefined; line = await next()) {
              if (line === '\\.') {
                ended = true;
                break;
              }
              batch += `${line}\n`;
              done++;
              if (done % 5_000 === 0) {
                yield batch;
                batch = '';
                onProgress?.(name, done, 0);
              }
            }
            if (batch) yield batch;
          }
          await pipeline(rows, sink);
          if (!ended) throw fail(`table ${name} ends before its "\\." line`);
          onProgress?.(name, done, done);
          counts[name] = done;
          total += done;
          // Identity sequences continue after the loaded ids.
          if (id) {
            await client.query(
              `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${quoteIdent(id)}) FROM ${quoteIdent(name)}), 1))`,
              [quoteIdent(name), id],
            );
          }
        }
        const end = await next();
        if (end !== `END ${total}`)
          throw fail(`expected "END ${total}" after the last table, found ${JSON.stringify(end)}`);
        await client.query("INSERT INTO log (event, table_name, message) VALUES ('LOAD', NULL, $1)", [
          `loaded ${total} rows from ${file}`,
        ]);
      },
    );
  } finally {
    lines.close();
  }
  // Loaded prices lie below the aggregates' watermarks, where real-time aggregation does
  // not look: materialize them now rather than at the next scheduled refresh.
  await refreshAllPriceAggregates(db.pool, new Date());
  return { rows: counts, total };
}
