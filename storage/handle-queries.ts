import type pg from 'pg';
import type { EntryIds } from './entries.js';
import { listGatewaySystems } from './gateway/systems.js';
import { readDatabaseIdentity } from './identity.js';
import { type OpenOrders, readOpenOrders } from './interval-book.js';
import { lastCleared, ordersArrivedBefore, readMarketTimeline } from './market-timeline.js';
import { listMarkets } from './markets.js';
import { refreshPriceAggregates } from './price-aggregates.js';
import { configValues } from './queries/config-values.js';
import {
  configValue,
  currentOf,
  type Queryable,
  resourceIdByName,
  systemIdByName,
} from './queries/current.js';
import { deviceIntervalOrders } from './queries/device-orders.js';
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

/**
 * The queries bound as they are, by the name the handle gives them: each takes the
 * handle's connection first and the caller's arguments after.
 */
const BOUND = {
  configValues,
  systemIdByName,
  resourceIdByName,
  findPrincipal,
  deviceIntervalOrders,
  /** One multi-row INSERT: its own transaction on the pool, durable once it returns. */
  insertNewOrders,
  ownershipSpans,
  entryBegan,
  latestPrice,
  priceHistory,
  priceBuckets,
  userLedger,
  intervalPrice,
  /** Which storage the database runs on (TimescaleDB or plain PostgreSQL). */
  storageMode: readStorageMode,
  /** Which database this is, whatever URL reached it (storage/identity.ts). */
  identity: readDatabaseIdentity,
  /** The markets on the market, with their config (storage/markets.ts). */
  listMarkets,
  /** The last interval a market cleared (or recorded as a failure), or null. */
  lastCleared,
  /** What schedules a market's intervals (storage/market-timeline.ts). */
  marketTimeline: readMarketTimeline,
  ordersArrivedBefore,
  /** Brings the price aggregates up to date for late prices; on the pool, outside any transaction. */
  refreshPriceAggregates,
  /** The systems with circuits, whose gateway passes the runtime schedules (storage/gateway/systems.ts). */
  listGatewaySystems,
} as const;

type Bound<A extends unknown[], R> = (...args: A) => Promise<R>;
type BoundOf<F> = F extends (db: Queryable, ...args: infer A) => Promise<infer R> ? Bound<A, R> : never;
type ReadArgs<F> = F extends (client: never, ...args: infer A) => Promise<unknown> ? A : never;

/**
 * The queries other layers run, bound to a Database handle: they run on its connection
 * (a transaction's, or the pool's), their errors come out translated (storage/pg-errors.ts),
 * and reads as of a time default to the handle's clock (`db.at(time)`).
 */
export type HandleQueries = { readonly [K in keyof typeof BOUND]: BoundOf<(typeof BOUND)[K]> } & {
  /** The entry id of the entry row `id` belongs to, or null; cached (rows never change). */
  entryId(table: TableName, id: number): Promise<number | null>;
  /** The version of the entry row `id` belongs to in effect at `asof` (default: the handle's clock). */
  current<T extends TableName>(table: T, id: number, asof?: Date | null): Promise<RowOf[T] | null>;
  /** A system config variable's value at the handle's clock; undefined when it does not exist. */
  configValue(systemId: number, name: string): Promise<string | null | undefined>;
  /** The book of an interval, as the clearing reads it (storage/interval-book.ts). */
  openOrders(...args: ReadArgs<typeof readOpenOrders>): Promise<OpenOrders>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
};

export function handleQueries(runner: Runner, clock: () => Date | null, entries: EntryIds): HandleQueries {
  const bound = Object.fromEntries(
    Object.entries(BOUND).map(([name, query]) => [
      name,
      (...args: unknown[]) =>
        runner.read((c) => (query as (db: Queryable, ...rest: unknown[]) => Promise<unknown>)(c, ...args)),
    ]),
  ) as { readonly [K in keyof typeof BOUND]: BoundOf<(typeof BOUND)[K]> };
  return {
    ...bound,
    async entryId(table, id) {
      const found = await runner.read((c) => entries.resolve(c, table, [id]));
      return found.get(id) ?? null;
    },
    current: (table, id, asof) =>
      runner.read((c) => currentOf(c, table, id, asof === undefined ? clock() : asof)),
    configValue: (systemId, name) => runner.read((c) => configValue(c, systemId, name, clock())),
    // One statement: the pool runs it as well as a transaction's client.
    openOrders: (...args) => runner.read((c) => readOpenOrders(c as pg.PoolClient, ...args)),
    async ping() {
      await runner.read((c) => c.query('SELECT 1'));
    },
  };
}
