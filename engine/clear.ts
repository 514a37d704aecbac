import {
  type AuctionOutcome,
  type ClearingType,
  clearLevels,
  type Levels,
  SPECIAL_MODES,
  type SpecialMode,
} from './auction.js';
import { BUY, fromMicro, type OrderBook, SELL, toMicro } from './book.js';
import { ErrorCode, TessError } from './errors.js';
import { fillSide } from './fills.js';
import { checkSettlementRange, intervalHours, settleSide } from './settle.js';
import { keyToValue, SortScratch, sortIndexesByValue } from './sort.js';

export interface ClearOptions {
  /** Prices beyond ±price_cap count as ±price_cap; +cap buys are unresponsive demand. Default 9999. */
  readonly priceCap?: number;
  /** Where a NULL or PRICE clearing puts the price between buy and sell (0 = sell, 1 = buy). Default 0.5. */
  readonly clearingScalar?: number;
  /** Default NONE. */
  readonly specialMode?: SpecialMode;
  /** BUYERS_ONLY / SELLERS_ONLY: the counterpart's fixed price (used when fixedQuantity is 0). Default 0. */
  readonly fixedPrice?: number;
  /** BUYERS_ONLY / SELLERS_ONLY: the counterpart's fixed quantity, in quantity units. Default 0. */
  readonly fixedQuantity?: number;
  /** Interval length in seconds (settlement uses Δt = interval / 3600 hours). Default 300. */
  readonly interval?: number;
}

export interface ClearResult {
  readonly price: number;
  /** Cleared quantity in quantity units (= quantityMicro / 1e6). */
  readonly quantity: number;
  readonly quantityMicro: number;
  readonly type: ClearingType;
  readonly marginalQuantity: number;
  readonly marginalFrac: number;
  /** Σ of all buy quantities, in quantity units. */
  readonly buyerTotal: number;
  /** Σ of all sell quantities, in quantity units. */
  readonly sellerTotal: number;
  /** Fill of each order (by input index) in micro-units. */
  readonly fills: Float64Array;
  /** Amount of each order (by input index) in micro-currency: buys < 0, sells > 0. */
  readonly amounts: Float64Array;
  /** Σ amounts in micro-currency: 0 in a double auction; the bidding side's total in a special mode. */
  readonly amountTotal: number;
  /**
   * Input indexes of orders left out because the book could not hold them exactly (see
   * `sideLimitMicro`); their fill and amount are 0. Empty in any realistic market.
   */
  readonly rejected: readonly number[];
}

/**
 * The most one side of a book may hold, in micro-units: every sum of quantities stays an
 * exact integer in a double (2^53), and so does the side's value at the price cap over
 * the interval, so settlement can never overflow. For a 300-s interval and a cap of 9999
 * that is about 10.8 million units (MW for capacity) per side.
 */
export function sideLimitMicro(priceCap: number, hours: number): number {
  return Math.floor(Number.MAX_SAFE_INTEGER / Math.max(1, (Math.abs(priceCap) + 1) * hours));
}

/** What a clearing hands on to whoever records it: the scalars and the per-order arrays. */
export type ClearedBook = Pick<
  ClearResult,
  | 'price'
  | 'quantity'
  | 'type'
  | 'marginalQuantity'
  | 'marginalFrac'
  | 'buyerTotal'
  | 'sellerTotal'
  | 'amountTotal'
  | 'fills'
  | 'amounts'
  | 'rejected'
>;

export const DEFAULT_PRICE_CAP = 9999;
export const DEFAULT_CLEARING_SCALAR = 0.5;
export const DEFAULT_INTERVAL = 300;

/** One side's price levels, growable; level k covers sorted positions start[k]..start[k+1]. */
class LevelSet {
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
      const start = new Uint32Array(size);
      start.set(this.start);
      this.start = start;
      const prices = new Float64Array(size);
      prices.set(this.prices);
      this.prices = prices;
      const quantities = new Float64Array(size);
      quantities.set(this.quantities);
      this.quantities = quantities;
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

/** Reusable working memory for {@link clearBook}; one per thread. */
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
    if (this.keys.length >= n) return;
    this.keys = new Float64Array(n);
    this.order = new Uint32Array(n);
    this.sortedQuantities = new Float64Array(n);
    this.sortedFills = new Float64Array(n);
  }

  /** The id order's array, only allocated when a book's ids do not arrive ascending. */
  baseOrder(n: number): Uint32Array {
    if (this.base.length < n) this.base = new Uint32Array(n);
    return this.base;
  }
}

let sharedScratch: ClearScratch | undefined;

function invalid(message: string): TessError {
  return new TessError(ErrorCode.INVALID, message);
}

function finiteOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${name} must be a finite number`);
  return value;
}

interface Resolved {
  priceCap: number;
  clearingScalar: number;
  specialMode: SpecialMode;
  fixedPrice: number;
  fixedQuantityMicro: number;
  interval: number;
}

function resolveOptions(options: ClearOptions): Resolved {
  const priceCap = finiteOption(options.priceCap, DEFAULT_PRICE_CAP, 'price_cap');
  if (!(priceCap > 0)) throw invalid('price_cap must be > 0');
  const clearingScalar = finiteOption(options.clearingScalar, DEFAULT_CLEARING_SCALAR, 'clearing_scalar');
  if (clearingScalar < 0 || clearingScalar > 1) throw invalid('clearing_scalar must be between 0 and 1');
  const specialMode = options.specialMode ?? 'NONE';
  if (!SPECIAL_MODES.includes(specialMode)) {
    throw invalid(`special_mode must be one of ${SPECIAL_MODES.join(', ')}, not ${String(specialMode)}`);
  }
  const fixedPrice = finiteOption(options.fixedPrice, 0, 'fixed_price');
  const fixedQuantity = finiteOption(options.fixedQuantity, 0, 'fixed_quantity');
  if (fixedQuantity < 0) throw invalid('fixed_quantity must be >= 0');
  const interval = finiteOption(options.interval, DEFAULT_INTERVAL, 'interval');
  if (!(interval > 0)) throw invalid('interval must be > 0 seconds');
  return {
    priceCap,
    clearingScalar,
    specialMode,
    fixedPrice,
    fixedQuantityMicro: toMicro(fixedQuantity),
    interval,
  };
}

/**
 * Clears one market: sorts the book (buys by price descending, sells ascending, ties by id),
 * applies the GridLAB-D auction rules to the price levels, fills the cleared quantity in
 * price priority and settles the fills. Pure: the book is only read.
 *
 * Throws TessError INVALID for a malformed book (side not 0/1, price not finite, quantity not
 * a positive integer of micro-units, duplicate or non-finite id, an order on the counterpart
 * side of a special mode). Orders that would take a side past `sideLimitMicro` are left out
 * (fill 0) and listed in `rejected`, so no order can stop a market from clearing.
 */
export function clearBook(book: OrderBook, options: ClearOptions = {}, scratch?: ClearScratch): ClearResult {
  const opts = resolveOptions(options);
  const n = book.n;
  const { ids, sides, prices, quantities } = book;
  if (
    !Number.isInteger(n) ||
    n < 0 ||
    ids.length < n ||
    sides.length < n ||
    prices.length < n ||
    quantities.length < n
  ) {
    throw invalid(`book columns are shorter than its size ${n}`);
  }
  if (n >= 2 ** 32) throw invalid('book too large');
  if (scratch === undefined && sharedScratch === undefined) sharedScratch = new ClearScratch();
  const work = scratch ?? sharedScratch!;
  work.ensure(n);
  const keys = work.keys;

  const scan = scanBook(
    book,
    keys,
    opts.priceCap,
    sideLimitMicro(opts.priceCap, intervalHours(opts.interval)),
  );
  if (scan.rejected.length > 0) return clearAdmitted(book, scan.rejected, options, scratch);
  const buyCount = scan.buyCount;
  const sellCount = n - buyCount;
  if (opts.specialMode === 'BUYERS_ONLY' && sellCount > 0) {
    throw invalid(`order ${ids[sides.indexOf(SELL)]}: a BUYERS_ONLY market takes no sell orders`);
  }
  if (opts.specialMode === 'SELLERS_ONLY' && buyCount > 0) {
    throw invalid(`order ${ids[sides.indexOf(BUY)]}: a SELLERS_ONLY market takes no buy orders`);
  }

  // Base order: by id. Then a stable split by side (buys first), then a stable sort of each
  // side by key, so that each side ends up by price priority and, within a price, by id.
  const order = work.order;
  if (scan.idsAscending) {
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

  const sortedQuantities = work.sortedQuantities;
  sortIndexesByValue(order, 0, buyCount, keys, work.sort);
  collectLevels(work.sort, order, 0, buyCount, quantities, -1, sortedQuantities, work.buys);
  sortIndexesByValue(order, buyCount, n, keys, work.sort);
  collectLevels(work.sort, order, buyCount, n, quantities, 1, sortedQuantities, work.sells);

  const outcome: AuctionOutcome = clearLevels(work.buys.view(), work.sells.view(), opts);
  const price = outcome.price;
  const cleared = outcome.quantityMicro;

  // Fills: each side gives the cleared quantity from its orders at least as good as the price.
  const fills = new Float64Array(n);
  const amounts = new Float64Array(n);
  const hours = intervalHours(opts.interval);
  let amountTotal = 0;
  if (cleared > 0) {
    checkSettlementRange(price, hours, cleared);
    const perMicroHour = price * hours;
    const sortedFills = work.sortedFills;
    if (opts.specialMode !== 'SELLERS_ONLY') {
      const levels = work.buys;
      let eligible = 0;
      while (eligible < levels.count && levels.prices[eligible]! >= price) eligible++;
      levels.start[levels.count] = buyCount;
      const end = fillSide(levels.start, levels.quantities, eligible, sortedQuantities, cleared, sortedFills);
      amountTotal -= settleSide(order, 0, end, sortedFills, perMicroHour, -1, fills, amounts);
    }
    if (opts.specialMode !== 'BUYERS_ONLY') {
      const levels = work.sells;
      let eligible = 0;
      while (eligible < levels.count && levels.prices[eligible]! <= price) eligible++;
      levels.start[levels.count] = n;
      const end = fillSide(levels.start, levels.quantities, eligible, sortedQuantities, cleared, sortedFills);
      amountTotal += settleSide(order, buyCount, end, sortedFills, perMicroHour, 1, fills, amounts);
    }
  }

  return {
    price,
    quantity: fromMicro(cleared),
    quantityMicro: cleared,
    type: outcome.type,
    marginalQuantity: fromMicro(outcome.marginalQuantityMicro),
    marginalFrac: outcome.marginalFrac,
    buyerTotal: fromMicro(scan.buyTotal),
    sellerTotal: fromMicro(scan.sellTotal),
    fills,
    amounts,
    amountTotal: amountTotal + 0,
    rejected: [],
  };
}

/**
 * Clears the book without its rejected orders (a copy of the rest; rejections are rare,
 * so the common path pays nothing), then reports fills and amounts by input index.
 */
function clearAdmitted(
  book: OrderBook,
  rejected: readonly number[],
  options: ClearOptions,
  scratch: ClearScratch | undefined,
): ClearResult {
  const n = book.n;
  const m = n - rejected.length;
  const kept = new Uint32Array(m);
  const out = new Uint8Array(n);
  for (const k of rejected) out[k] = 1;
  for (let k = 0, j = 0; k < n; k++) if (!out[k]) kept[j++] = k;
  const pick = <A extends Float64Array | Uint8Array>(column: A, make: (size: number) => A): A => {
    const copy = make(m);
    for (let j = 0; j < m; j++) copy[j] = column[kept[j]!]!;
    return copy;
  };
  const admitted: OrderBook = {
    n: m,
    ids: pick(book.ids, (size) => new Float64Array(size)),
    sides: pick(book.sides, (size) => new Uint8Array(size)),
    prices: pick(book.prices, (size) => new Float64Array(size)),
    quantities: pick(book.quantities, (size) => new Float64Array(size)),
  };
  const r = clearBook(admitted, options, scratch);
  const fills = new Float64Array(n);
  const amounts = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    fills[kept[j]!] = r.fills[j]!;
    amounts[kept[j]!] = r.amounts[j]!;
  }
  return { ...r, fills, amounts, rejected };
}

interface Scan {
  buyCount: number;
  buyTotal: number;
  sellTotal: number;
  idsAscending: boolean;
  /** Input indexes of orders that would take their side past the limit. */
  rejected: number[];
}

/**
 * One pass over the book: validates every order, limits prices to the cap, writes the sort
 * keys (buys negated, so that ascending keys are best-first on both sides), totals each side
 * and checks whether the ids are already ascending.
 */
function scanBook(book: OrderBook, keys: Float64Array, cap: number, limit: number): Scan {
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

/**
 * After a side's sort: gathers its quantities into sorted positions and groups the positions
 * from..to into levels of equal key (price = key × priceSign).
 */
function collectLevels(
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
