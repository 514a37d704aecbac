import { type ClearedBook, toMicro } from '../engine/index.js';
import { orderLimits } from '../engine/order-limits.js';
import type { Market } from '../storage/index.js';
import { ordersWithinLimits } from './book-limits.js';
import type { ClearDeps, IntervalPlan } from './clear-market.js';
import { engineRefused } from './interval-failure.js';
import { readInterval, type Written } from './interval-transaction.js';
import { clearOptions } from './market-options.js';

/** Milliseconds of each phase of a clearing (the write with its commit). */
export interface ClearingTimes {
  read: number;
  clear: number;
  write: number;
}

const elapsed = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/** The book's result for every order read, from the engine's result for the orders kept. */
function expand(r: ClearedBook, kept: readonly number[], n: number): ClearedBook {
  if (kept.length === n) return r;
  const fills = new Float64Array(n);
  const amounts = new Float64Array(n);
  for (let j = 0; j < kept.length; j++) {
    fills[kept[j]!] = r.fills[j]!;
    amounts[kept[j]!] = r.amounts[j]!;
  }
  return { ...r, fills, amounts, rejected: r.rejected.map((j) => kept[j]!) };
}

/**
 * Clears one interval [from, end) of one market in one database transaction: reads the
 * book, leaves out what the order limits do not let in, clears the rest in a thread and
 * writes the result. Fills `ms` with the time of each phase.
 */
export async function clearAndWrite(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan,
  ms: ClearingTimes,
): Promise<Written> {
  const seconds = Math.round((end.getTime() - from.getTime()) / 1000);
  // Config first: a value that cannot be read fails the interval before any work.
  const options = clearOptions(market, seconds);
  const limits = orderLimits(market.config, market.resource);
  let writing = 0n;
  const written = await deps.db.inMarket(market.resourceId, async (tx) => {
    let t = process.hrtime.bigint();
    const { open, carried } = await readInterval(tx, market, from, end, plan);
    const kept = ordersWithinLimits(open, limits);
    ms.read = elapsed(t);

    t = process.hrtime.bigint();
    const m = kept.length;
    const book = {
      n: m,
      ids: new Float64Array(m),
      sides: new Uint8Array(m),
      prices: new Float64Array(m),
      quantities: new Float64Array(m),
    };
    for (let j = 0; j < m; j++) {
      const i = kept[j]!;
      book.ids[j] = open.orderIds[i]!;
      book.sides[j] = open.sides[i]!;
      book.prices[j] = open.prices[i]!;
      book.quantities[j] = toMicro(open.quantities[i]!);
    }
    const r = expand(
      await deps.pool.clear(book, options).catch((err) => Promise.reject(engineRefused(err))),
      kept,
      open.n,
    );
    ms.clear = elapsed(t);

    writing = process.hrtime.bigint();
    const price = await tx.writeClearing({
      from,
      end,
      orders: open,
      result: r,
      carbonDataset: market.config['carbon-intensity'] ?? null,
    });
    return { price, orders: open.n, carried, rejected: open.n - m + r.rejected.length };
  });
  ms.write = elapsed(writing); // with the commit
  return written;
}
