import type { Redis } from 'ioredis';
import type { Database } from '../../storage/index.js';
import type { Directory } from './directory.js';
import type { GroupCommit } from './group-commit.js';
import type { PriceCache } from './price-cache.js';

/** An order on its way into a group-commit batch: complete and validated. */
export interface OrderIntake {
  readonly unique_id: string;
  readonly device_id: number;
  readonly resource_id: number;
  readonly interval_start: Date;
  readonly side: 'buy' | 'sell';
  readonly quantity: number;
  readonly price: number;
}

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
  /** Whether time_bucket (TimescaleDB) is available; date_bin is used otherwise. */
  readonly timescale: boolean;
  readonly priceRateLimit: RateLimit;
}
