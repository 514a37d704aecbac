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
import { SortScratch, sortIndexesByValue } from './sort.js';

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
}

export const DEFAULT_PRICE_CAP = 9999;
export const DEFAULT_CLEARING_SCALAR = 0.5;
export const DEFAULT_INTERVAL = 300;

/** Reusable working memory for {@link clearBook}; one per thread. */
export class ClearScratch {
  readonly sort = new SortScratch();
  keys = new Float64Array(0);
  order = new Uint32Array(0);
  side = new Uint32Array(0);
  levelStart = new Uint32Array(0);
  levelPrices = new Float64Array(0);
  levelQuantities = new Float64Array(0);

  ensure(n: number): void {
    if (this.keys.length >= n) return;
    this.keys = new Float64Array(n);
    this.order = new Uint32Array(n);
    this.side = new Uint32Array(n);
    this.levelStart = new Uint32Array(n + 2);
    this.levelPrices = new Float64Array(n + 2);
    this.levelQuantities = new Float64Array(n + 2);
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
 * side of a special mode, totals beyond 2^53 micro-units).
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
  const cap = opts.priceCap;

  // One pass: validate, limit prices to the cap, build the sort keys (buys negated so that
  // ascending keys are best-first on both sides), total each side, check id order.
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
    if (!(quantity > 0) || !Number.isInteger(quantity)) {
      throw invalid(`order ${id}: quantity must be a positive whole number of micro-units, not ${quantity}`);
    }
    if (!Number.isFinite(price)) throw invalid(`order ${id}: price must be a finite number, not ${price}`);
    if (!Number.isFinite(id)) throw invalid(`order at index ${k}: id must be a finite number, not ${id}`);
    if (price > cap) price = cap;
    else if (price < -cap) price = -cap;
    if (side === BUY) {
      keys[k] = -price + 0;
      buyCount++;
      buyTotal += quantity;
    } else if (side === SELL) {
      keys[k] = price + 0;
      sellTotal += quantity;
    } else {
      throw invalid(`order ${id}: side must be 0 (buy) or 1 (sell), not ${side}`);
    }
    if (!(id > previousId)) idsAscending = false;
    previousId = id;
  }
  if (buyTotal > Number.MAX_SAFE_INTEGER || sellTotal > Number.MAX_SAFE_INTEGER) {
    throw invalid('total quantity of a side exceeds 2^53 micro-units');
  }
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
  const base = work.side;
  for (let k = 0; k < n; k++) base[k] = k;
  if (!idsAscending) {
    sortIndexesByValue(base, 0, n, ids, work.sort);
    for (let k = 1; k < n; k++) {
      if (ids[base[k]!] === ids[base[k - 1]!]) {
        throw invalid(`order ${ids[base[k]!]}: duplicate id (input indexes ${base[k - 1]} and ${base[k]})`);
      }
    }
  }
  let b = 0;
  let s = buyCount;
  for (let k = 0; k < n; k++) {
    const index = base[k]!;
    if (sides[index] === BUY) order[b++] = index;
    else order[s++] = index;
  }
  sortIndexesByValue(order, 0, buyCount, keys, work.sort);
  sortIndexesByValue(order, buyCount, n, keys, work.sort);

  // Price levels of each side: buy levels first, then sell levels, in shared arrays.
  const levelStart = work.levelStart;
  const levelPrices = work.levelPrices;
  const levelQuantities = work.levelQuantities;
  const buyLevels = buildLevels(
    order,
    0,
    buyCount,
    keys,
    quantities,
    -1,
    levelStart,
    levelPrices,
    levelQuantities,
    0,
  );
  const sellOffset = buyLevels + 1;
  const sellLevels = buildLevels(
    order,
    buyCount,
    n,
    keys,
    quantities,
    1,
    levelStart,
    levelPrices,
    levelQuantities,
    sellOffset,
  );
  const buys: Levels = {
    count: buyLevels,
    prices: levelPrices.subarray(0, buyLevels),
    quantities: levelQuantities.subarray(0, buyLevels),
  };
  const sells: Levels = {
    count: sellLevels,
    prices: levelPrices.subarray(sellOffset, sellOffset + sellLevels),
    quantities: levelQuantities.subarray(sellOffset, sellOffset + sellLevels),
  };

  const outcome: AuctionOutcome = clearLevels(buys, sells, opts);
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
    if (opts.specialMode !== 'SELLERS_ONLY') {
      let eligible = 0;
      while (eligible < buyLevels && levelPrices[eligible]! >= price) eligible++;
      fillSide(order, levelStart, levelQuantities, eligible, quantities, cleared, fills);
      amountTotal -= settleSide(order, 0, buyCount, fills, perMicroHour, -1, amounts);
    }
    if (opts.specialMode !== 'BUYERS_ONLY') {
      let eligible = 0;
      while (eligible < sellLevels && levelPrices[sellOffset + eligible]! <= price) eligible++;
      fillSide(
        order,
        levelStart.subarray(sellOffset),
        levelQuantities.subarray(sellOffset),
        eligible,
        quantities,
        cleared,
        fills,
      );
      amountTotal += settleSide(order, buyCount, n, fills, perMicroHour, 1, amounts);
    }
  }

  return {
    price,
    quantity: fromMicro(cleared),
    quantityMicro: cleared,
    type: outcome.type,
    marginalQuantity: fromMicro(outcome.marginalQuantityMicro),
    marginalFrac: outcome.marginalFrac,
    buyerTotal: fromMicro(buyTotal),
    sellerTotal: fromMicro(sellTotal),
    fills,
    amounts,
    amountTotal: amountTotal + 0,
  };
}

/**
 * Groups the sorted positions order[from..to) into levels of equal key, writing each level's
 * start position, price (key × priceSign) and total quantity at `offset` onward, and a
 * closing start. Returns the number of levels.
 */
function buildLevels(
  order: Uint32Array,
  from: number,
  to: number,
  keys: Float64Array,
  quantities: Float64Array,
  priceSign: 1 | -1,
  levelStart: Uint32Array,
  levelPrices: Float64Array,
  levelQuantities: Float64Array,
  offset: number,
): number {
  let count = 0;
  let currentKey = Number.NaN;
  let total = 0;
  for (let p = from; p < to; p++) {
    const index = order[p]!;
    const key = keys[index]!;
    if (key !== currentKey) {
      if (count > 0) levelQuantities[offset + count - 1] = total;
      levelStart[offset + count] = p;
      levelPrices[offset + count] = priceSign * key + 0;
      count++;
      currentKey = key;
      total = 0;
    }
    total += quantities[index]!;
  }
  if (count > 0) levelQuantities[offset + count - 1] = total;
  levelStart[offset + count] = to;
  return count;
}
