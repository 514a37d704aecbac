import {
  AlreadyCleared,
  type Market,
  type MarketTransaction,
  type OpenOrders,
  type PriceRow,
} from '../storage/index.js';
import type { IntervalPlan } from './clear-market.js';

/** What one interval's transaction wrote. */
export interface Written {
  readonly price: PriceRow;
  readonly orders: number;
  /** Orders accepted with another `interval` length, cleared here after their own interval_start. */
  readonly carried: number;
  readonly rejected: number;
}

/**
 * Reads the orders interval [from, end) of `market` holds (with those carried into it),
 * in the market's transaction; AlreadyCleared when it is cleared.
 */
export async function readInterval(
  tx: MarketTransaction,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan,
): Promise<{ open: OpenOrders; carried: number }> {
  const last = await tx.lastClearedEnd();
  if (last && last > from) throw new AlreadyCleared(market.resourceId, from);
  const open = await tx.openOrders(from, end, plan.carryFrom ?? null);
  let carried = 0;
  for (let i = 0; i < open.n; i++) if (open.intervalStarts[i]! < from) carried++;
  return { open, carried };
}
