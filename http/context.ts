import type { StorageMode } from '../storage/index.js';
import type { Redis } from 'ioredis';
import type { Database } from '../storage/index.js';
import type { NewOrder } from '../storage/index.js';
import type { DeviceTallies } from './device-tallies.js';
import type { Directory } from './directory.js';
import type { GroupCommit } from './group-commit.js';
import type { PriceCache } from './price-cache.js';

/** An order on its way into a group-commit batch: complete and validated. */
export type OrderIntake = NewOrder;

/** Rate limit of the public price reads, per client address. */
export interface RateLimit {
  readonly max: number;
  readonly timeWindowMs: number;
}

/** What every route module is given. */
export interface ApiContext {
  readonly db: Database;
  readonly redis: Redis;
  readonly now: () => Date;
  readonly directory: Directory;
  readonly prices: PriceCache;
  readonly orders: GroupCommit<OrderIntake>;
  /** Orders and quantity each device holds per open interval (device limits at intake). */
  readonly deviceTallies: DeviceTallies;
  /** TimescaleDB (price history from continuous aggregates) or plain PostgreSQL. */
  readonly storage: StorageMode;
  readonly priceRateLimit: RateLimit;
}
