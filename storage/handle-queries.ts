import type { EntryIds } from './entries.js';
import { configValues } from './queries/config-values.js';
import {
  configValue,
  currentOf,
  type Queryable,
  resourceIdByName,
  systemIdByName,
} from './queries/current.js';
import { deviceIntervalOrders } from './queries/device-orders.js';
import type pg from 'pg';
import { type OpenOrders, readOpenOrders } from './market.js';
import { intervalPrice } from './queries/market.js';
import { insertNewOrders } from './queries/orders.js';
import { entryBegan, ownershipSpans } from './queries/ownership.js';
import { latestPrice, priceBuckets, priceHistory } from './queries/prices.js';
import { findPrincipal } from './queries/principal.js';
import { userLedger } from './queries/transactions.js';
import type { RowOf } from './rows.js';
import type { Runner } from './runner.js';
import { readStorageMode } from './storage-mode.js';
import type { TableName } from './tables.js';

type Query<A extends unknown[], R> = (db: Queryable, ...args: A) => Promise<R>;
type Bound<A extends unknown[], R> = (...args: A) => Promise<R>;

/**
 * The queries other layers run, bound to a Database handle: they run on its connection
 * (a transaction's, or the pool's), their errors come out translated (storage/pg-errors.ts),
 * and reads as of a time default to the handle's clock (`db.at(time)`).
 */
export interface HandleQueries {
  /** The entry id of the entry row `id` belongs to, or null; cached (rows never change). */
  entryId(table: TableName, id: number): Promise<number | null>;
  /** The version of the entry row `id` belongs to in effect at `asof` (default: the handle's clock). */
  current<T extends TableName>(table: T, id: number, asof?: Date | null): Promise<RowOf[T] | null>;
  /** A system config variable's value at the handle's clock; undefined when it does not exist. */
  configValue(systemId: number, name: string): Promise<string | null | undefined>;
  readonly configValues: BoundOf<typeof configValues>;
  readonly systemIdByName: Bound<[name: string], number | null>;
  readonly resourceIdByName: Bound<[systemId: number, name: string], number | null>;
  readonly findPrincipal: BoundOf<typeof findPrincipal>;
  readonly deviceIntervalOrders: BoundOf<typeof deviceIntervalOrders>;
  /** One multi-row INSERT: its own transaction on the pool, durable once it returns. */
  readonly insertNewOrders: BoundOf<typeof insertNewOrders>;
  readonly ownershipSpans: BoundOf<typeof ownershipSpans>;
  readonly entryBegan: BoundOf<typeof entryBegan>;
  readonly latestPrice: BoundOf<typeof latestPrice>;
  readonly priceHistory: BoundOf<typeof priceHistory>;
  readonly priceBuckets: BoundOf<typeof priceBuckets>;
  readonly userLedger: BoundOf<typeof userLedger>;
  readonly intervalPrice: BoundOf<typeof intervalPrice>;
  /** The book of an interval, as the clearing reads it (storage/market.ts readOpenOrders). */
  openOrders(...args: ReadArgs<typeof readOpenOrders>): Promise<OpenOrders>;
  /** Which storage the database runs on (TimescaleDB or plain PostgreSQL). */
  readonly storageMode: BoundOf<typeof readStorageMode>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
}

type ReadArgs<F> = F extends (client: never, ...args: infer A) => Promise<unknown> ? A : never;
type BoundOf<F> = F extends (db: Queryable, ...args: infer A) => Promise<infer R> ? Bound<A, R> : never;

export function handleQueries(runner: Runner, clock: () => Date | null, entries: EntryIds): HandleQueries {
  const bind =
    <A extends unknown[], R>(query: Query<A, R>): Bound<A, R> =>
    (...args) =>
      runner.read((c) => query(c, ...args));
  return {
    async entryId(table, id) {
      const found = await runner.read((c) => entries.resolve(c, table, [id]));
      return found.get(id) ?? null;
    },
    current: (table, id, asof) =>
      runner.read((c) => currentOf(c, table, id, asof === undefined ? clock() : asof)),
    configValue: (systemId, name) => runner.read((c) => configValue(c, systemId, name, clock())),
    configValues: bind(configValues),
    systemIdByName: bind(systemIdByName),
    resourceIdByName: bind(resourceIdByName),
    findPrincipal: bind(findPrincipal),
    deviceIntervalOrders: bind(deviceIntervalOrders),
    insertNewOrders: bind(insertNewOrders),
    ownershipSpans: bind(ownershipSpans),
    entryBegan: bind(entryBegan),
    latestPrice: bind(latestPrice),
    priceHistory: bind(priceHistory),
    priceBuckets: bind(priceBuckets),
    userLedger: bind(userLedger),
    intervalPrice: bind(intervalPrice),
    // One statement: the pool runs it as well as a transaction's client.
    openOrders: (...args) => runner.read((c) => readOpenOrders(c as pg.PoolClient, ...args)),
    storageMode: bind(readStorageMode),
    async ping() {
      await runner.read((c) => c.query('SELECT 1'));
    },
  };
}
