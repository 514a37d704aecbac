import { constants, createReadStream } from 'node:fs';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { ErrorCode, TessError } from '../engine/errors.js';
import { quoteIdent, tableSql } from './connection.js';
import type pg from 'pg';
import type { Database } from './database.js';
import { DATASET_TYPES } from '../engine/datasets/index.js';
import { metadataColumns, metadataSql, seriesColumns, seriesSql } from './datasets/dataset-sql.js';
import { SMS_TABLES } from './gateway/tables.js';
import {
  allColumns,
  CLIENT_INFO_ORDER,
  GATEWAY_ORDER,
  TABLE_ORDER,
  TABLES,
  type TableName,
} from './tables.js';

/**
 * Dump file format (text, line oriented):
 *   TESS-DUMP 5
 *   TABLE <name> <column>,<column>,…
 *   <rows in COPY text format: one line each, tabs between values>
 *   \.
 *   … one block per table, in reference order …
 *   END <total rows>
 * COPY's text format escapes newlines inside values, so every row is one line and a
 * line holding only "\." can never be data.
 */
const MAGIC = 'TESS-DUMP 5';

interface DumpTable {
  readonly name: string;
  /** The table in SQL text (schema-qualified for a subject's tables). */
  readonly sql: string;
  readonly columns: readonly string[];
  /** Identity column whose sequence continues after a load. */
  readonly id?: string;
}

const MARKET_INTERVAL = ['resource_id', 'interval_start', 'interval_end', 'price_id', 'created'];

const table = (name: TableName, columns = allColumns(TABLES[name])): DumpTable => ({
  name,
  sql: tableSql(TABLES[name]),
  columns,
  id: TABLES[name].id,
});
const runtime = (name: string, columns: readonly string[]): DumpTable => ({
  name,
  sql: quoteIdent(name),
  columns,
});

/** The ledger's sources before the gateway (migration 11) added top-ups and consumption. */
const TRANSACTION_2 = allColumns(TABLES.transaction).filter(
  (c) => c !== 'redemption_id' && c !== 'primary_log_id',
);
/** A price before it carried its interval's carbon intensity and emissions (migration 14). */
const PRICE_4 = allColumns(TABLES.price).filter((c) => c !== 'g_co2_per_kwh' && c !== 'emissions_kg');
/** The thirteen tables as files of `format` (and earlier ones) held them. */
const tessTables = (format: 2 | 4 | 5) =>
  TABLE_ORDER.map((name) =>
    name === 'transaction' && format <= 2
      ? table(name, TRANSACTION_2)
      : name === 'price' && format <= 4
        ? table(name, PRICE_4)
        : table(name),
  );
const TESS_2 = tessTables(2);

/**
 * The runtime's records (cleared intervals, with why one was a FAILURE, and meter
 * readings settlement could not book: migration 9), then the prepaid gateway's tables
 * (migrations 11 and 12).
 */
const RUNTIME_AND_GATEWAY: readonly DumpTable[] = [
  runtime('market_interval', [...MARKET_INTERVAL, 'reason']),
  runtime('meter_failure', ['meter_id', 'resource_id', 'reason', 'created']),
  ...GATEWAY_ORDER.map((name) => table(name)),
];
const BEFORE_DATASETS: readonly DumpTable[] = [...tessTables(4), ...RUNTIME_AND_GATEWAY];

/**
 * Every table: the thirteen (prices with their carbon intensity), the runtime's and the
 * gateway's, then the clients, their sites and every dataset (migration 13): each type's
 * metadata, then its series.
 */
const DUMP_TABLES: readonly DumpTable[] = [
  ...tessTables(5),
  ...RUNTIME_AND_GATEWAY,
  ...CLIENT_INFO_ORDER.map((name) => table(name)),
  ...DATASET_TYPES.flatMap((type) => [
    { name: `${type}.metadata`, sql: metadataSql(type), columns: metadataColumns(type) },
    { name: `${type}.series`, sql: seriesSql(type), columns: seriesColumns(type) },
  ]),
];

/**
 * The tables each format's files hold, by first line. Files of format 1, written before
 * the runtime recorded failures, load with every interval cleared and no reading marked;
 * files of formats 1 and 2, written before the gateway, load with no gateway data; files
 * of format 3, written before the gateway spoke SMS, load with no interfaces or messages;
 * files of format 4, written before datasets, load with no sites or datasets and prices
 * without their carbon intensity.
 */
const FORMATS: Readonly<Record<string, readonly DumpTable[]>> = {
  'TESS-DUMP 1': [...TESS_2, runtime('market_interval', MARKET_INTERVAL)],
  'TESS-DUMP 2': [
    ...TESS_2,
    runtime('market_interval', [...MARKET_INTERVAL, 'reason']),
    runtime('meter_failure', ['meter_id', 'resource_id', 'reason', 'created']),
  ],
  'TESS-DUMP 3': BEFORE_DATASETS.filter((t) => !(SMS_TABLES as readonly string[]).includes(t.name)),
  'TESS-DUMP 4': BEFORE_DATASETS,
  [MAGIC]: DUMP_TABLES,
};

export type Progress = (table: string, rowsDone: number, rowsTotal: number) => void;

export interface DumpResult {
  readonly rows: Readonly<Record<string, number>>;
  readonly total: number;
}

const cannotWrite = (file: string, why: string, cause?: unknown) =>
  new TessError(ErrorCode.INVALID, `cannot write ${file}: ${why}`, cause === undefined ? {} : { cause });

/**
 * Opens the dump's partial file for writing, readable by its owner only (0600): a dump
 * holds every token hash and ledger. A symbolic link at FILE is refused rather than
 * replaced (whoever made it meant the dump to go somewhere else); the partial file is
 * created anew (O_EXCL) and never through a link (O_NOFOLLOW), so nothing planted at
 * either name receives the data.
 */
async function openPrivate(file: string, partial: string) {
  const existing = await lstat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw cannotWrite(file, err.code ?? err.message, err);
  });
  if (existing?.isSymbolicLink())
    throw cannotWrite(file, 'it is a symbolic link (refusing to write over it)');
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const create = () => open(partial, flags, 0o600);
  try {
    return await create().catch(async (err: NodeJS.ErrnoException) => {
      // Left by a dump that was killed: removed (a link is unlinked, not followed), then created anew.
      if (err.code !== 'EEXIST') throw err;
      await rm(partial, { force: true });
      return create();
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw cannotWrite(file, e.code ?? e.message, err);
  }
}

/**
 * Writes every table, from one consistent snapshot, to `file`, streamed with COPY (no
 * table is held in memory), then logs a DUMP event.
 */
export async function dump(db: Database, file: string, onProgress?: Progress): Promise<DumpResult> {
  // Written beside its final name and renamed when whole: a failed dump leaves no file
  // that looks complete, and an unwritable path is reported before any work.
  const partial = `${file}.partial`;
  const handle = await openPrivate(file, partial);
  const out = handle.createWriteStream();
  // A write error also rejects the pending write or `finish` below; this keeps it from
  // being an unhandled 'error' event as well.
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  const counts: Record<string, number> = {};
  let total = 0;
  try {
    await db.withTransaction(async (_tx, client) => {
      // One snapshot for every table, so the dump is consistent.
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const sizes = new Map<string, number>();
      for (const { name, sql } of DUMP_TABLES) {
        const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM ${sql}`);
        sizes.set(name, rows[0].n);
      }
      await write(`${MAGIC}\n`);
      for (const { name, sql, columns: cols } of DUMP_TABLES) {
        await write(`TABLE ${name} ${cols.join(',')}\n`);
        // COPY (SELECT …) rather than COPY table: on a hypertable the rows live in chunks.
        const order = cols.slice(0, 2).map(quoteIdent).join(', ');
        const source = client.query(
          copyTo(`COPY (SELECT ${cols.map(quoteIdent).join(', ')} FROM ${sql} ORDER BY ${order}) TO STDOUT`),
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
    });
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    await rename(partial, file);
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
  await db.log.add({ event: 'DUMP', table_name: null, message: `dumped ${total} rows to ${file}` });
  return { rows: counts, total };
}

/**
 * What a database writes in its log by being created and migrated, before it holds
 * anything: its CREATE row and ALTER rows (each migration, each table made a hypertable,
 * each compression policy set). Any other event (a DUMP, a LOAD, a non-conformant change)
 * is history a load would erase.
 */
const OWN_LOG_EVENTS = ['CREATE', 'ALTER'] as const;

/**
 * Refuses a database that is not empty: "empty" is no row in any table but the log, and
 * in the log only the database's own creation and migration rows (OWN_LOG_EVENTS). Run
 * inside the load's transaction after lockForLoad, so that what it saw holds until commit.
 */
async function requireEmpty(client: pg.PoolClient): Promise<void> {
  for (const { name, sql } of DUMP_TABLES) {
    const own = name === 'log';
    const { rows } = await client.query(
      `SELECT count(*)::bigint AS n FROM ${sql}${own ? ' WHERE event <> ALL ($1::text[])' : ''}`,
      own ? [OWN_LOG_EVENTS] : [],
    );
    if (rows[0].n > 0) {
      throw new TessError(
        ErrorCode.NOT_EMPTY,
        `cannot load into a database that holds data: table ${name} has ${rows[0].n} rows` +
          (own ? ` besides the database's creation and migrations (${OWN_LOG_EVENTS.join(', ')})` : ''),
      );
    }
  }
}

/**
 * Locks every table the load writes against inserts and against another load (SHARE ROW
 * EXCLUSIVE conflicts with itself and with the ROW EXCLUSIVE an INSERT takes) until the
 * load commits. Taken before the load writes anything, its log row included: two loads
 * that had each inserted would deadlock on each other's locks.
 */
async function lockForLoad(client: pg.PoolClient): Promise<void> {
  await client.query(
    `LOCK TABLE ${DUMP_TABLES.map(({ sql }) => sql).join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
  );
}

/**
 * Loads a dump into an empty database (see requireEmpty), all in one transaction: every
 * row keeps its id and `created`, then a LOAD event is logged. The target's own log (its
 * creation and migration records) is replaced by the dump's history. Two loads into the
 * same database at once: the second waits for the first and is then refused as not empty.
 */
export async function load(db: Database, file: string, onProgress?: Progress): Promise<DumpResult> {
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
    const format = FORMATS[(await next()) ?? ''];
    if (!format) throw fail(`the first line is not "${MAGIC}" (or an earlier format's)`);
    await db.withTransaction(async (tx, c) => {
      await lockForLoad(c);
      await requireEmpty(c);
      // The same transaction (a handle inside one reuses it): the log row that authorises
      // the TRUNCATE is written after the lock.
      await tx.nonconformant(
        {
          event: 'LOAD',
          table: null,
          message: `loading ${file}: replacing this database's log with the dump's`,
        },
        async (client) => {
          await client.query('TRUNCATE log');
          for (const { name, sql, columns, id } of format) {
            const header = await next();
            const expected = `TABLE ${name} ${columns.join(',')}`;
            if (header !== expected)
              throw fail(`expected "${expected}", found ${JSON.stringify(header?.slice(0, 80))}`);
            const sink = client.query(
              copyFrom(`COPY ${sql} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`),
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
                `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${quoteIdent(id)}) FROM ${sql}), 1))`,
                [sql, id],
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
    });
  } finally {
    lines.close();
  }
  // Loaded prices lie below the aggregates' watermarks, where real-time aggregation does
  // not look: materialize them now rather than at the next scheduled refresh.
  const now = new Date();
  await db.refreshPriceAggregates(null, now, now);
  return { rows: counts, total };
}
