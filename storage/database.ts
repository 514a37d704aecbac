import type pg from 'pg';
import { ErrorCode, TessError } from '../engine/errors.js';
import { newPool, translateConnectError } from './connection.js';
import { EntryIds } from './entries.js';
import { type HandleQueries, handleQueries } from './handle-queries.js';
import { fillBalances } from './balances.js';
import { revokeOnOwnerChange } from './device-tokens.js';
import type { LogEvent, RowOf } from './rows.js';
import { type MarketTransaction, inMarket } from './market-transaction.js';
import { clientRunner, inTransaction, poolRunner, type Runner } from './runner.js';
import { DEFAULT_ADMIN_EMAIL, DEFAULT_RESOURCE, DEFAULT_SYSTEM, seedConfig } from './seed.js';
import { Table, type TableHooks } from './table.js';
import { TABLES, type TableName } from './tables.js';
import { toDate } from './values.js';

type Tables = { readonly [K in TableName]: Table<K> };

/** The log offers add and get only: it is a record, not a collection of entries. */
export type LogTable = Pick<Table<'log'>, 'def' | 'add' | 'get' | 'list'>;

export interface NonconformantOperation {
  readonly event: Exclude<LogEvent, 'CREATE'>;
  readonly table: TableName | null;
  /** What is done and why. */
  readonly message: string;
  /** Who does it. @defaultValue the database user */
  readonly actor?: string;
}

export interface Database extends Omit<Tables, 'log'>, HandleQueries {
  readonly log: LogTable;
  /** The system config operations act in. */
  readonly systemName: string;
  /** Afterwards reads answer as of `time`; null resets to now. Writes are refused while it is set. */
  setClock(time: Date | string | null): void;
  readonly clock: Date | null;
  /** A read handle fixed at `time` (per request; no shared clock). */
  at(time: Date | null): Database;
  /**
   * Runs `fn` with every operation on one connection inside one transaction. What it
   * throws comes out translated (storage/pg-errors.ts), as from every other operation.
   */
  withTransaction<T>(fn: (tx: Database, client: pg.PoolClient) => Promise<T>): Promise<T>;
  /**
   * Runs an operation that breaks immutability (UPDATE, DELETE, TRUNCATE, raw INSERT):
   * writes its log row first, in the same transaction, which is what lets the
   * database's guard trigger allow it.
   */
  nonconformant<T>(op: NonconformantOperation, fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction under the lock of market `resourceId` (storage/market-transaction.ts):
   * committed when it returns, rolled back when it throws; inside withTransaction, in that transaction.
   */
  inMarket<T>(resourceId: number, fn: (market: MarketTransaction) => Promise<T>): Promise<T>;
  /** The entry id of the handle's system (created with its seed config when missing). */
  systemId(): Promise<number>;
  close(): Promise<void>;
}

interface Shared {
  readonly pool: pg.Pool;
  readonly entries: EntryIds;
  readonly systemName: string;
  /** The `admin-email` config of systems this handle creates. */
  readonly adminEmail: string;
  systemId?: Promise<number>;
}

function build(
  shared: Shared,
  runner: Runner,
  clockRef: { value: Date | null },
  client?: pg.PoolClient,
): Database {
  const ctx = { runner, clock: () => clockRef.value, entries: shared.entries };
  const hooks: Partial<Record<TableName, TableHooks>> = {
    system: {
      async afterAdd(c, row) {
        const id = row['system_id'] as number;
        const seed = seedConfig(shared.adminEmail);
        await c.query(
          'INSERT INTO config (system_id, name, value) SELECT $1, n, v FROM unnest($2::text[], $3::text[]) AS s(n, v)',
          [id, seed.map(([n]) => n), seed.map(([, v]) => v)],
        );
        await c.query(
          'INSERT INTO resource (system_id, name, quantity_unit, price_unit) VALUES ($1, $2, $3, $4)',
          [id, DEFAULT_RESOURCE.name, DEFAULT_RESOURCE.quantity_unit, DEFAULT_RESOURCE.price_unit],
        );
      },
    },
    config: {
      async scope(fields) {
        return 'system_id' in fields ? fields : { ...fields, system_id: await db.systemId() };
      },
    },
    // A device that changes owner loses its tokens, in the transaction of the change.
    device: { beforeInsert: revokeOnOwnerChange },
    transaction: { beforeInsert: fillBalances },
  };
  const tables = Object.fromEntries(
    (Object.keys(TABLES) as TableName[]).map((name) => [name, new Table(TABLES[name], ctx, hooks[name])]),
  ) as unknown as Tables;

  const { log, ...rest } = tables;
  const db: Database = {
    ...rest,
    ...handleQueries(runner, () => clockRef.value, shared.entries),
    log: { def: log.def, add: log.add.bind(log), get: log.get.bind(log), list: log.list.bind(log) },
    systemName: shared.systemName,
    get clock() {
      return clockRef.value;
    },
    setClock(time) {
      clockRef.value = time === null ? null : toDate(time, 'clock');
    },
    at(time) {
      return build(shared, runner, { value: time }, client);
    },
    withTransaction(fn) {
      if (client) return fn(db, client);
      return inTransaction(shared.pool, (c) => fn(build(shared, clientRunner(c), clockRef, c), c));
    },
    inMarket(resourceId, fn) {
      return inMarket(client ? { client } : { pool: shared.pool }, resourceId, fn);
    },
    async nonconformant(op, fn) {
      if (clockRef.value) throw new TessError(ErrorCode.CLOCK_SET, 'the clock is set: writes are refused');
      return db.withTransaction(async (tx, c) => {
        const log = await tx.log.add({
          event: op.event,
          table_name: op.table,
          message: op.message,
          ...(op.actor ? { actor: op.actor } : {}),
        });
        await c.query("SELECT set_config('tess.nonconformant', $1, true)", [String(log.log_id)]);
        try {
          return await fn(c);
        } finally {
          await c.query("SELECT set_config('tess.nonconformant', '', true)").catch(() => {});
        }
      });
    },
    systemId() {
      shared.systemId ??= (async () => {
        const sys = tables.system;
        const find = async () => {
          const id = await build(shared, poolRunner(shared.pool), { value: null }).system.find({
            name: shared.systemName,
          });
          return id === null ? null : (await shared.entries.resolve(shared.pool, 'system', [id])).get(id)!;
        };
        const found = await find();
        if (found !== null) return found;
        try {
          return (await sys.add({ name: shared.systemName })).system_id;
        } catch (err) {
          if ((err as TessError).code === ErrorCode.EXISTS) return (await find())!;
          throw err;
        }
      })();
      shared.systemId.catch(() => {
        shared.systemId = undefined;
      });
      return shared.systemId;
    },
    async close() {
      await shared.pool.end();
    },
  };
  return db;
}

/**
 * Opens the TESS database at `url` (migrated already: see storage/migrations.ts).
 * Config operations act in `options.system` (default "default"), created with its seed
 * configuration on first use. Every system this handle creates (that one, or any added)
 * names `options.adminEmail` in its `admin-email` config (default DEFAULT_ADMIN_EMAIL).
 */
export async function openDatabase(
  url: string,
  options: {
    system?: string;
    poolSize?: number;
    adminEmail?: string;
    /** Told of an idle connection that fails (the server gone); @defaultValue a process warning */
    onConnectionError?: (err: Error) => void;
  } = {},
): Promise<Database> {
  const pool = newPool(url, options.poolSize ?? 10, options.onConnectionError);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end();
    throw translateConnectError(err, url);
  }
  const shared: Shared = {
    pool,
    entries: new EntryIds(),
    systemName: options.system ?? DEFAULT_SYSTEM,
    adminEmail: options.adminEmail ?? DEFAULT_ADMIN_EMAIL,
  };
  return build(shared, poolRunner(pool), { value: null });
}

export type { RowOf };
