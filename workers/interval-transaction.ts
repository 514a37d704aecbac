import type pg from 'pg';
import {
  AlreadyCleared,
  lastClearedEnd,
  lockMarket,
  type Market,
  type OpenOrders,
  readOpenOrders,
} from '../storage/index.js';
import type { PriceRow } from '../storage/index.js';
import type { ClearDeps, IntervalPlan } from './clear-market.js';

/** What one interval's transaction wrote. */
export interface Written {
  readonly price: PriceRow;
  readonly orders: number;
  /** Orders accepted with another `interval` length, cleared here after their own interval_start. */
  readonly carried: number;
  readonly rejected: number;
}

/** Runs `work` in a transaction of its own on a client of the pool. */
export async function transaction<T>(
  deps: ClearDeps,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await deps.db.pool.connect();
  try {
    const out = await work(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Begins the transaction of interval [from, end) of `market` and reads the orders it
 * holds (with those carried into it); AlreadyCleared when it is cleared.
 */
export async function beginInterval(
  client: pg.PoolClient,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan,
): Promise<{ open: OpenOrders; carried: number }> {
  await client.query('BEGIN');
  await lockMarket(client, market.resourceId);
  const last = await lastClearedEnd(client, market.resourceId);
  if (last && last > from) throw new AlreadyCleared(market.resourceId, from);
  const open = await readOpenOrders(client, market.resourceId, from, end, plan.carryFrom ?? null);
  let carried = 0;
  for (let i = 0; i < open.n; i++) if (open.intervalStarts[i]! < from) carried++;
  return { open, carried };
}
