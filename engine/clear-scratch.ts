import { withCapacity } from './capacity.js';
import { LevelSet } from './price-levels.js';
import { SortScratch } from './sort.js';

/** Reusable working memory for `clearBook` (engine/clear.ts); one per thread. */
export class ClearScratch {
  readonly sort = new SortScratch();
  readonly buys = new LevelSet();
  readonly sells = new LevelSet();
  keys = new Float64Array(0);
  order = new Uint32Array(0);
  private base = new Uint32Array(0);
  sortedQuantities = new Float64Array(0);
  sortedFills = new Float64Array(0);

  ensure(n: number): void {
    this.keys = withCapacity(this.keys, n);
    this.order = withCapacity(this.order, n);
    this.sortedQuantities = withCapacity(this.sortedQuantities, n);
    this.sortedFills = withCapacity(this.sortedFills, n);
  }

  /** The id order's array, only allocated when a book's ids do not arrive ascending. */
  baseOrder(n: number): Uint32Array {
    this.base = withCapacity(this.base, n);
    return this.base;
  }
}
