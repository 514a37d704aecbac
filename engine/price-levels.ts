import type { Levels } from './auction.js';
import { withCapacity } from './capacity.js';
import { keyToValue, type SortScratch } from './sort.js';

/** One side's price levels, growable; level k covers sorted positions start[k]..start[k+1]. */
export class LevelSet {
  count = 0;
  start = new Uint32Array(1024);
  prices = new Float64Array(1024);
  quantities = new Float64Array(1024);

  reset(): void {
    this.count = 0;
  }

  push(position: number, price: number): void {
    if (this.count + 2 > this.start.length) {
      const size = this.start.length * 2;
      this.start = withCapacity(this.start, size);
      this.prices = withCapacity(this.prices, size);
      this.quantities = withCapacity(this.quantities, size);
    }
    this.start[this.count] = position;
    this.prices[this.count] = price;
    this.quantities[this.count] = 0;
    this.count++;
  }

  view(): Levels {
    return {
      count: this.count,
      prices: this.prices.subarray(0, this.count),
      quantities: this.quantities.subarray(0, this.count),
    };
  }
}

/**
 * After a side's sort: gathers its quantities into sorted positions and groups the positions
 * from..to into levels of equal key (price = key × priceSign).
 */
export function collectLevels(
  sorted: SortScratch,
  order: Uint32Array,
  from: number,
  to: number,
  quantities: Float64Array,
  priceSign: 1 | -1,
  sortedQuantities: Float64Array,
  levels: LevelSet,
): void {
  levels.reset();
  const hi = sorted.sortedHi;
  const lo = sorted.sortedLo;
  let h = 0;
  let l = 0;
  let total = 0;
  for (let p = from; p < to; p++) {
    const q = quantities[order[p]!]!;
    sortedQuantities[p] = q;
    const k = p - from;
    const hk = hi[k]!;
    const lk = lo[k]!;
    if (p === from || hk !== h || lk !== l) {
      if (levels.count > 0) levels.quantities[levels.count - 1] = total;
      levels.push(p, priceSign * keyToValue(hk, lk) + 0);
      h = hk;
      l = lk;
      total = 0;
    }
    total += q;
  }
  if (levels.count > 0) levels.quantities[levels.count - 1] = total;
  levels.start[levels.count] = to;
}
