import { type ClearingType, clearLevels } from './auction.js';
import { BUY, fromMicro, type OrderBook, SELL } from './book.js';
import { scanBook, sideLimitMicro } from './book-scan.js';
import { type ClearOptions, resolveOptions } from './clear-options.js';
import { ClearScratch } from './clear-scratch.js';
import { invalid } from './errors.js';
import { fillSide } from './fills.js';
import { sortByPriority } from './price-priority.js';
import { clearAdmitted } from './rejected-orders.js';
import { checkSettlementRange, intervalHours, settleSide } from './settle.js';

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

let sharedScratch: ClearScratch | undefined;

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

  const scan = scanBook(
    book,
    work.keys,
    opts.priceCap,
    sideLimitMicro(opts.priceCap, intervalHours(opts.interval)),
  );
  if (scan.rejected.length > 0) {
    return clearAdmitted(book, scan.rejected, (admitted) => clearBook(admitted, options, scratch));
  }
  const buyCount = scan.buyCount;
  const sellCount = n - buyCount;
  if (opts.specialMode === 'BUYERS_ONLY' && sellCount > 0) {
    throw invalid(`order ${ids[sides.indexOf(SELL)]}: a BUYERS_ONLY market takes no sell orders`);
  }
  if (opts.specialMode === 'SELLERS_ONLY' && buyCount > 0) {
    throw invalid(`order ${ids[sides.indexOf(BUY)]}: a SELLERS_ONLY market takes no buy orders`);
  }

  sortByPriority(book, buyCount, scan.idsAscending, work);
  const order = work.order;
  const sortedQuantities = work.sortedQuantities;

  const outcome = clearLevels(work.buys.view(), work.sells.view(), opts);
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
