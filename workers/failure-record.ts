import type { Market } from '../storage/index.js';
import type { ClearDeps, IntervalPlan } from './clear-market.js';
import { failedBook } from './interval-failure.js';
import { readInterval, type Written } from './interval-transaction.js';

/**
 * Records [from, end) as a FAILURE, in a transaction of its own: its market_interval row
 * with the reason, a price of type FAILURE (see failedBook) and a CLEARED version with
 * fill 0 of every order it held, so none stays open; no money moves.
 */
export async function writeFailure(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan,
  reason: string,
): Promise<Written> {
  const seconds = Math.round((end.getTime() - from.getTime()) / 1000);
  return deps.db.inMarket(market.resourceId, async (tx) => {
    const { open, carried } = await readInterval(tx, market, from, end, plan);
    const price = await tx.writeClearing({
      from,
      end,
      orders: open,
      result: failedBook(market, seconds, open.n),
      reason,
    });
    return { price, orders: open.n, carried, rejected: 0 };
  });
}
