/**
 * Benchmark of market clearing: one market of N orders (half buys, half sells, prices in
 * cents so that many orders tie) cleared with fills and settlement, against
 * Float64Array.prototype.sort of N random doubles in the same process. The two alternate
 * over several rounds after a warm-up; reported are median/min/max of each, the median of
 * the per-round ratios clear/sort, and the peak resident set size.
 *
 *   node --import tsx bench/clear.ts [--quick] [--orders N] [--rounds R]
 */
import { pathToFileURL } from 'node:url';
import { allocateBook, BUY, ClearScratch, clearBook, type OrderBook, SELL } from '../engine/index.js';

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface ClearBenchFigures {
  readonly orders: number;
  readonly rounds: number;
  readonly clearMs: Spread;
  readonly sortMs: Spread;
  /** Median over rounds of clear time / sort time. */
  readonly ratio: number;
  readonly peakRssMb: number;
  readonly price: number;
  readonly quantity: number;
  readonly type: string;
}

/** A small deterministic generator (mulberry32), so that every run clears the same book. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A book of n orders: ids ascending, sides alternating, prices in cents, quantities 0.1–10 units. */
export function benchBook(n: number, seed = 1): OrderBook {
  const next = random(seed);
  const book = allocateBook(n);
  for (let k = 0; k < n; k++) {
    const buy = k % 2 === 0;
    book.ids[k] = k + 1;
    book.sides[k] = buy ? BUY : SELL;
    // Buys around 55, sells around 45, both spread over 0–100: the curves cross mid-book.
    const centre = buy ? 55 : 45;
    book.prices[k] = Math.round((centre + (next() + next() + next() - 1.5) * 60) * 100) / 100;
    book.quantities[k] = Math.round((0.1 + next() * 9.9) * 1e3) * 1e3;
  }
  return book;
}

const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
};

export async function benchClear(opts: { orders: number; rounds: number }): Promise<ClearBenchFigures> {
  const { orders, rounds } = opts;
  const book = benchBook(orders);
  const scratch = new ClearScratch();
  const doubles = new Float64Array(orders);
  const next = random(2);

  const timeSort = (): number => {
    for (let k = 0; k < orders; k++) doubles[k] = next();
    const start = performance.now();
    doubles.sort();
    return performance.now() - start;
  };
  // Only the scalars of a result are kept, so that at most one result's arrays are alive.
  let last = { price: 0, quantity: 0, type: '' };
  const timeClear = (): number => {
    const start = performance.now();
    const result = clearBook(book, {}, scratch);
    const elapsed = performance.now() - start;
    last = { price: result.price, quantity: result.quantity, type: result.type };
    return elapsed;
  };

  // Warm-up: let both paths be optimised before anything is measured.
  for (let w = 0; w < 2; w++) {
    timeSort();
    timeClear();
  }
  const clearTimes: number[] = [];
  const sortTimes: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so that neither always runs on a warmer heap.
    let sortMs: number;
    let clearMs: number;
    if (r % 2 === 0) {
      sortMs = timeSort();
      clearMs = timeClear();
    } else {
      clearMs = timeClear();
      sortMs = timeSort();
    }
    sortTimes.push(sortMs);
    clearTimes.push(clearMs);
    ratios.push(clearMs / sortMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    orders,
    rounds,
    clearMs: spread(clearTimes),
    sortMs: spread(sortTimes),
    ratio: spread(ratios).median,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    price: last.price,
    quantity: last.quantity,
    type: last.type,
  };
}

function argValue(args: string[], name: string): number | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive whole number`);
  return value;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const orders = argValue(args, '--orders') ?? (quick ? 100_000 : 1_000_000);
  const rounds = argValue(args, '--rounds') ?? (quick ? 5 : 11);
  const f = await benchClear({ orders, rounds });
  const ms = (s: Spread) =>
    `median ${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)})`;
  process.stdout.write(
    `clear ${f.orders} orders with fills and settlement: ${ms(f.clearMs)}\n` +
      `Float64Array sort of ${f.orders} doubles:        ${ms(f.sortMs)}\n` +
      `ratio clear/sort (median of ${f.rounds} rounds): ${f.ratio.toFixed(2)}\n` +
      `peak RSS: ${f.peakRssMb.toFixed(0)} MB\n` +
      `cleared ${f.quantity} at ${f.price} (${f.type})\n`,
  );
}
