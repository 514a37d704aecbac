/**
 * The clearing rules of GridLAB-D's `auction` object (market/auction.cpp, clear_market()),
 * applied to aggregated price levels.
 *
 * Orders at the same price are merged into one level before the curves are walked. The
 * result is then a function of the set of orders, not of their arrival order; for books
 * without ties it is the same walk GridLAB-D makes order by order, and with ties it gives
 * the answer GridLAB-D gives for every arrival order in which its answer does not depend on
 * that order.
 */

/**
 * How the market cleared (GridLAB-D's clearing_type). The one list: the price table's
 * allowed values (storage/tables.ts) and a clearing thread's packed result index it.
 */
export const CLEARING_TYPES = ['NULL', 'SELLER', 'BUYER', 'PRICE', 'EXACT', 'FAILURE'] as const;
export type ClearingType = (typeof CLEARING_TYPES)[number];

/** NONE: a double auction. BUYERS_ONLY / SELLERS_ONLY: one side bids against a fixed counterpart. */
export const SPECIAL_MODES = ['NONE', 'BUYERS_ONLY', 'SELLERS_ONLY'] as const;
export type SpecialMode = (typeof SPECIAL_MODES)[number];

/** The price step GridLAB-D uses to stay just clear of an order it must not accept (bid_offset). */
export const PRICE_EPSILON = 0.0001;

/** One side's price levels, best first: buys by descending price, sells by ascending price. */
export interface Levels {
  readonly count: number;
  /** Level prices, already limited to [-price_cap, price_cap]. */
  readonly prices: Float64Array;
  /** Level quantities in micro-units (sums of integers, exact). */
  readonly quantities: Float64Array;
}

export interface AuctionParams {
  readonly priceCap: number;
  readonly clearingScalar: number;
  readonly specialMode: SpecialMode;
  readonly fixedPrice: number;
  /** In micro-units; 0 means "use fixed_price" in the special modes. */
  readonly fixedQuantityMicro: number;
}

export interface AuctionOutcome {
  readonly price: number;
  readonly quantityMicro: number;
  readonly type: ClearingType;
  /** The part of the cleared quantity taken from orders exactly at the price (BUYER / SELLER only). */
  readonly marginalQuantityMicro: number;
  /** Total quantity of the orders exactly at the price (BUYER / SELLER only). */
  readonly marginalTotalMicro: number;
  /** marginal quantity / marginal total (BUYER / SELLER only, else 0). */
  readonly marginalFrac: number;
}

interface Core {
  price: number;
  quantity: number;
  type: ClearingType;
}

/** Clears one market from its aggregated levels. */
export function clearLevels(buys: Levels, sells: Levels, params: AuctionParams): AuctionOutcome {
  let core: Core;
  if (params.specialMode === 'BUYERS_ONLY') core = oneSided(buys, params, 1);
  else if (params.specialMode === 'SELLERS_ONLY') core = oneSided(sells, params, -1);
  else core = doubleAuction(buys, sells, params);

  const cap = params.priceCap;
  const price = Math.max(-cap, Math.min(cap, core.price));
  let marginalQuantityMicro = 0;
  let marginalTotalMicro = 0;
  if (core.type === 'BUYER' || core.type === 'SELLER') {
    const side = core.type === 'BUYER' ? buys : sells;
    const better = core.type === 'BUYER' ? (p: number) => p > price : (p: number) => p < price;
    let k = 0;
    let subtotal = 0;
    while (k < side.count && better(side.prices[k]!)) subtotal += side.quantities[k++]!;
    marginalQuantityMicro = core.quantity - subtotal;
    while (k < side.count && side.prices[k] === price) marginalTotalMicro += side.quantities[k++]!;
  }
  return {
    price: price + 0,
    quantityMicro: core.quantity,
    type: core.type,
    marginalQuantityMicro,
    marginalTotalMicro,
    marginalFrac: marginalTotalMicro > 0 ? marginalQuantityMicro / marginalTotalMicro : 0,
  };
}

/**
 * BUYERS_ONLY (direction 1, levels = buys) or SELLERS_ONLY (direction -1, levels = sells):
 * the bidding side meets a fixed counterpart. With a fixed quantity the price is that of the
 * level that completes it; with a fixed price every order at least as good clears.
 * A fixed quantity, when set, takes precedence over a fixed price (as in GridLAB-D's code).
 */
function oneSided(levels: Levels, params: AuctionParams, direction: 1 | -1): Core {
  const fixed = params.fixedQuantityMicro;
  if (fixed > 0) {
    let cumulative = 0;
    let price = 0;
    for (let k = 0; k < levels.count && cumulative < fixed; k++) {
      price = levels.prices[k]!;
      cumulative += levels.quantities[k]!;
    }
    if (cumulative > fixed) return { price, quantity: fixed, type: direction === 1 ? 'BUYER' : 'SELLER' };
    if (cumulative === fixed) return { price, quantity: fixed, type: 'EXACT' };
    // The fixed quantity cannot be met: nothing clears, just outside the best order.
    const best = levels.count > 0 ? levels.prices[0]! + direction * PRICE_EPSILON : 0;
    return { price: best, quantity: 0, type: 'FAILURE' };
  }
  const price = params.fixedPrice;
  let quantity = 0;
  for (let k = 0; k < levels.count; k++) {
    const p = levels.prices[k]!;
    if (direction === 1 ? p >= price : p <= price) quantity += levels.quantities[k]!;
    else break;
  }
  return { price, quantity, type: quantity > 0 ? 'EXACT' : 'NULL' };
}

function doubleAuction(buys: Levels, sells: Levels, params: AuctionParams): Core {
  const { priceCap: cap, clearingScalar: scalar } = params;
  const nb = buys.count;
  const ns = sells.count;
  const bp = buys.prices;
  const sp = sells.prices;

  if (nb === 0 || ns === 0) {
    const price = nb > 0 ? bp[0]! + PRICE_EPSILON : ns > 0 ? sp[0]! - PRICE_EPSILON : 0;
    return { price, quantity: 0, type: 'NULL' };
  }

  // Unresponsive demand bids at +cap, unresponsive supply at -cap; after aggregation each
  // is at most the first level of its side.
  const unresponsiveBuy = bp[0] === cap ? buys.quantities[0]! : 0;
  const unresponsiveSell = sp[0] === -cap ? sells.quantities[0]! : 0;

  // Walk both cumulative curves while the buy price is at least the sell price.
  let i = 0;
  let j = 0;
  let demand = 0;
  let supply = 0;
  let quantity = 0;
  let a = cap; // price of the last accepted buy (or the buyer's price at a step)
  let b = -cap; // price of the last accepted sell
  let tied = false; // the last step exhausted a buy level and a sell level together
  let type: ClearingType = 'NULL';
  while (i < nb && j < ns && bp[i]! >= sp[j]!) {
    const buyCumulative = demand + buys.quantities[i]!;
    const sellCumulative = supply + sells.quantities[j]!;
    if (buyCumulative > sellCumulative) {
      quantity = supply = sellCumulative;
      a = b = bp[i]!;
      j++;
      tied = false;
      type = 'BUYER';
    } else if (buyCumulative < sellCumulative) {
      quantity = demand = buyCumulative;
      a = b = sp[j]!;
      i++;
      tied = false;
      type = 'SELLER';
    } else {
      quantity = demand = supply = buyCumulative;
      a = bp[i]!;
      b = sp[j]!;
      i++;
      j++;
      tied = true;
    }
  }

  let price = a;
  if (tied) {
    // The curves meet on a vertical step. The next levels (if any) are strictly worse
    // than a and b, so the price is a point in [b, a].
    type = a === b ? 'EXACT' : 'PRICE';
    if (type === 'PRICE')
      price = betweenPrice(a, b, i < nb ? bp[i]! : undefined, j < ns ? sp[j]! : undefined);
  }

  if (quantity === 0) {
    // No crossing: nothing clears; the price lies between the best buy and the best sell.
    let nullPrice: number;
    if (sp[0] === cap) nullPrice = bp[0]! + PRICE_EPSILON;
    else if (bp[0] === -cap) nullPrice = sp[0]! - PRICE_EPSILON;
    else nullPrice = sp[0]! + (bp[0]! - sp[0]!) * scalar;
    return { price: nullPrice, quantity: 0, type: 'NULL' };
  }
  if (quantity < unresponsiveBuy) return { price: cap, quantity, type: 'FAILURE' };
  if (quantity < unresponsiveSell) return { price: -cap, quantity, type: 'FAILURE' };
  if (quantity === unresponsiveBuy && quantity === unresponsiveSell) {
    // Only unresponsive demand met unresponsive supply.
    return { price: 0, quantity, type: 'PRICE' };
  }
  return { price, quantity, type };

  /**
   * The price of a PRICE clearing between the last accepted buy (a) and sell (b): the
   * clearing_scalar point, unless that would take in the next rejected buy or sell, in which
   * case it is placed PRICE_EPSILON beyond that order. Kept within [b, a] so that no accepted
   * order is priced out (only matters when prices are less than PRICE_EPSILON apart).
   */
  function betweenPrice(
    a: number,
    b: number,
    nextBuy: number | undefined,
    nextSell: number | undefined,
  ): number {
    let p: number;
    if (a === cap && b !== -cap) {
      p = nextBuy !== undefined && nextBuy > b ? nextBuy + PRICE_EPSILON : b;
    } else if (a !== cap && b === -cap) {
      p = nextSell !== undefined && nextSell < a ? nextSell - PRICE_EPSILON : a;
    } else if (a === cap && b === -cap) {
      p = 0; // replaced below: only unresponsive orders cleared
    } else {
      const point = scalar === 0.5 ? (a + b) / 2 : b + (a - b) * scalar;
      if (nextBuy !== undefined && point < nextBuy) p = nextBuy + PRICE_EPSILON;
      else if (nextSell !== undefined && point > nextSell) p = nextSell - PRICE_EPSILON;
      else p = point;
    }
    return Math.max(b, Math.min(a, p));
  }
}
