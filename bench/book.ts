import { allocateBook, BUY, type OrderBook, SELL } from '../engine/index.js';

/** A small deterministic generator (mulberry32), so that every run measures the same data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A book of n orders: ids ascending (as the database returns them), sides alternating,
 * prices in cents so many orders tie, quantities 0.1–10 units (in micro-units).
 */
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

/** A copy of a book (the pool transfers, and so detaches, what it is given). */
export function copyBook(book: OrderBook): OrderBook {
  return {
    n: book.n,
    ids: book.ids.slice(),
    sides: book.sides.slice(),
    prices: book.prices.slice(),
    quantities: book.quantities.slice(),
  };
}
