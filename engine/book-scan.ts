import { BUY, type OrderBook, SELL } from './book.js';
import { invalid } from './errors.js';

/**
 * The most one side of a book may hold, in micro-units: every sum of quantities stays an
 * exact integer in a double (2^53), and so does the side's value at the price cap over
 * the interval, so settlement can never overflow. For a 300-s interval and a cap of 9999
 * that is about 10.8 million units (MW for capacity) per side.
 */
export function sideLimitMicro(priceCap: number, hours: number): number {
  return Math.floor(Number.MAX_SAFE_INTEGER / Math.max(1, (Math.abs(priceCap) + 1) * hours));
}

export interface Scan {
  readonly buyCount: number;
  readonly buyTotal: number;
  readonly sellTotal: number;
  readonly idsAscending: boolean;
  /** Input indexes of orders that would take their side past the limit. */
  readonly rejected: number[];
}

/**
 * One pass over the book: validates every order, limits prices to the cap, writes the sort
 * keys (buys negated, so that ascending keys are best-first on both sides), totals each side
 * and checks whether the ids are already ascending.
 */
export function scanBook(book: OrderBook, keys: Float64Array, cap: number, limit: number): Scan {
  const { n, ids, sides, prices, quantities } = book;
  const rejected: number[] = [];
  let buyCount = 0;
  let buyTotal = 0;
  let sellTotal = 0;
  let idsAscending = true;
  let previousId = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) {
    const side = sides[k]!;
    let price = prices[k]!;
    const quantity = quantities[k]!;
    const id = ids[k]!;
    // (x - x === 0) is false exactly for NaN and ±Infinity; Math.floor(q) === q for integers.
    if (!(quantity > 0 && Math.floor(quantity) === quantity && quantity - quantity === 0)) {
      throw invalid(`order ${id}: quantity must be a positive whole number of micro-units, not ${quantity}`);
    }
    if (price - price !== 0) throw invalid(`order ${id}: price must be a finite number, not ${price}`);
    if (id - id !== 0) throw invalid(`order at index ${k}: id must be a finite number, not ${id}`);
    if (price > cap) price = cap;
    else if (price < -cap) price = -cap;
    // Orders are admitted in book order (the runtime reads them by arrival) while their
    // side stays within the limit; one that would pass it is left out, not the book.
    if (side === BUY) {
      keys[k] = -price + 0;
      if (buyTotal + quantity > limit) rejected.push(k);
      else {
        buyCount++;
        buyTotal += quantity;
      }
    } else if (side === SELL) {
      keys[k] = price + 0;
      if (sellTotal + quantity > limit) rejected.push(k);
      else sellTotal += quantity;
    } else {
      throw invalid(`order ${id}: side must be 0 (buy) or 1 (sell), not ${side}`);
    }
    if (!(id > previousId)) idsAscending = false;
    previousId = id;
  }
  return { buyCount, buyTotal, sellTotal, idsAscending, rejected };
}
