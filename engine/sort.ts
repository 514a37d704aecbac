import { withCapacity } from './capacity.js';

/**
 * Stable LSD radix sort of index lists by a double-valued key, without comparators.
 *
 * A double's IEEE-754 bits, read as an unsigned 64-bit integer, order like the number
 * itself once negative values have all their bits flipped and non-negative values have
 * their sign bit set. The sort reads those bits through a 32-bit view (little-endian, as
 * on every platform Node supports), and sorts on four 16-bit digits, least significant
 * first, moving the index together with the key words. A digit that is the
 * same for every element is skipped. Scratch arrays are kept in a {@link SortScratch} and
 * reused between calls.
 */

const RADIX_BITS = 16;
const BUCKETS = 1 << RADIX_BITS;
const MASK = BUCKETS - 1;

export class SortScratch {
  idx = new Uint32Array(0);
  hi = new Uint32Array(0);
  lo = new Uint32Array(0);
  idx2 = new Uint32Array(0);
  hi2 = new Uint32Array(0);
  lo2 = new Uint32Array(0);
  readonly counts = new Uint32Array(4 * BUCKETS);
  /** After a sort: the keys' high and low words in sorted order (valid until the next sort). */
  sortedHi: Uint32Array = new Uint32Array(0);
  sortedLo: Uint32Array = new Uint32Array(0);

  constructor(capacity = 0) {
    this.ensure(capacity);
  }

  /** Grows the scratch arrays to hold at least `n` elements. */
  ensure(n: number): void {
    this.idx = withCapacity(this.idx, n);
    this.hi = withCapacity(this.hi, n);
    this.lo = withCapacity(this.lo, n);
    this.idx2 = withCapacity(this.idx2, n);
    this.hi2 = withCapacity(this.hi2, n);
    this.lo2 = withCapacity(this.lo2, n);
  }
}

/** A 32-bit view of a Float64Array's bits: word 2k is the low half of element k, 2k+1 the high. */
export function bitsView(values: Float64Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** True when `digit` of the four histograms holds every element (the pass would not move anything). */
function trivial(counts: Uint32Array, digit: number, n: number, key: number): boolean {
  return counts[digit * BUCKETS + key] === n;
}

/** Turns a histogram into starting offsets, in place. */
function offsets(counts: Uint32Array, digit: number): void {
  let sum = 0;
  const base = digit * BUCKETS;
  for (let b = 0; b < BUCKETS; b++) {
    const c = counts[base + b]!;
    counts[base + b] = sum;
    sum += c;
  }
}

/**
 * Sorts `order[from..to)` (indexes into `values`) stably by ascending `values[index]`, and
 * leaves the sorted keys' words in `scratch.sortedHi` / `scratch.sortedLo` (positions 0..n).
 * `values` must hold no NaN; -0 and +0 are different keys (callers normalise -0 first).
 */
export function sortIndexesByValue(
  order: Uint32Array,
  from: number,
  to: number,
  values: Float64Array,
  scratch: SortScratch,
): void {
  const n = to - from;
  scratch.ensure(n);
  const bits = bitsView(values);
  const counts = scratch.counts;
  counts.fill(0);
  let idx = scratch.idx;
  let hi = scratch.hi;
  let lo = scratch.lo;
  let idx2 = scratch.idx2;
  let hi2 = scratch.hi2;
  let lo2 = scratch.lo2;

  // Gather the keys in order-preserving form and count all four digits in one pass.
  for (let k = 0; k < n; k++) {
    const i = order[from + k]!;
    let h = bits[2 * i + 1]!;
    let l = bits[2 * i]!;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else {
      h = (h | 0x80000000) >>> 0;
    }
    idx[k] = i;
    hi[k] = h;
    lo[k] = l;
    const d0 = l & MASK;
    const d1 = BUCKETS + (l >>> RADIX_BITS);
    const d2 = 2 * BUCKETS + (h & MASK);
    const d3 = 3 * BUCKETS + (h >>> RADIX_BITS);
    counts[d0] = counts[d0]! + 1;
    counts[d1] = counts[d1]! + 1;
    counts[d2] = counts[d2]! + 1;
    counts[d3] = counts[d3]! + 1;
  }
  const firstLo = lo[0]!;
  const firstHi = hi[0]!;

  // One pass per digit, least significant first: the low word's two, then the high word's.
  // Each moves the index together with both key words.
  for (let digit = 0; digit < 4; digit++) {
    const shift = (digit & 1) * RADIX_BITS;
    const lowWord = digit < 2;
    if (trivial(counts, digit, n, ((lowWord ? firstLo : firstHi) >>> shift) & MASK)) continue;
    offsets(counts, digit);
    const c = digit * BUCKETS;
    for (let k = 0; k < n; k++) {
      const h = hi[k]!;
      const l = lo[k]!;
      const d = c + (((lowWord ? l : h) >>> shift) & MASK);
      const p = counts[d]!;
      counts[d] = p + 1;
      idx2[p] = idx[k]!;
      hi2[p] = h;
      lo2[p] = l;
    }
    [idx, idx2] = [idx2, idx];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  order.set(idx.subarray(0, n), from);
  scratch.sortedHi = hi;
  scratch.sortedLo = lo;
}

/** Converts a sort key (the order-preserving words of {@link sortIndexesByValue}) back to its double. */
export function keyToValue(hi: number, lo: number): number {
  if (hi & 0x80000000) {
    KEY_BITS[1] = (hi & 0x7fffffff) >>> 0;
    KEY_BITS[0] = lo;
  } else {
    KEY_BITS[1] = ~hi >>> 0;
    KEY_BITS[0] = ~lo >>> 0;
  }
  return KEY_VALUE[0]!;
}

const KEY_VALUE = new Float64Array(1);
const KEY_BITS = new Uint32Array(KEY_VALUE.buffer);
