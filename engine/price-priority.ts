import { BUY, type OrderBook } from './book.js';
import type { ClearScratch } from './clear-scratch.js';
import { invalid } from './errors.js';
import { collectLevels } from './price-levels.js';
import { sortIndexesByValue } from './sort.js';

/**
 * Puts a scanned book in price priority: `work.order` holds the buys' input indexes, then
 * the sells', each side best price first and, within a price, by id; `work.buys` and
 * `work.sells` hold the sides' levels and `work.sortedQuantities` the quantities by position.
 *
 * Base order: by id. Then a stable split by side (buys first), then a stable sort of each
 * side by key (`work.keys`, from scanBook), so that equal prices keep the id order. Throws
 * TessError INVALID for a duplicate id.
 */
export function sortByPriority(
  book: OrderBook,
  buyCount: number,
  idsAscending: boolean,
  work: ClearScratch,
): void {
  const { n, ids, sides, quantities } = book;
  const order = work.order;
  if (idsAscending) {
    splitBySide(undefined, n, sides, order, buyCount);
  } else {
    const base = work.baseOrder(n);
    for (let k = 0; k < n; k++) base[k] = k;
    sortIndexesByValue(base, 0, n, ids, work.sort);
    for (let k = 1; k < n; k++) {
      if (ids[base[k]!] === ids[base[k - 1]!]) {
        throw invalid(`order ${ids[base[k]!]}: duplicate id (input indexes ${base[k - 1]} and ${base[k]})`);
      }
    }
    splitBySide(base, n, sides, order, buyCount);
  }

  const keys = work.keys;
  const sortedQuantities = work.sortedQuantities;
  sortIndexesByValue(order, 0, buyCount, keys, work.sort);
  collectLevels(work.sort, order, 0, buyCount, quantities, -1, sortedQuantities, work.buys);
  sortIndexesByValue(order, buyCount, n, keys, work.sort);
  collectLevels(work.sort, order, buyCount, n, quantities, 1, sortedQuantities, work.sells);
}

/** Stable split of the base order (input order when absent): buys to order[0..buyCount), sells after. */
function splitBySide(
  base: Uint32Array | undefined,
  n: number,
  sides: Uint8Array,
  order: Uint32Array,
  buyCount: number,
): void {
  let b = 0;
  let s = buyCount;
  if (base === undefined) {
    for (let k = 0; k < n; k++) {
      if (sides[k] === BUY) order[b++] = k;
      else order[s++] = k;
    }
    return;
  }
  for (let k = 0; k < n; k++) {
    const index = base[k]!;
    if (sides[index] === BUY) order[b++] = index;
    else order[s++] = index;
  }
}
