import { invalid } from './errors.js';

/** The sides of an order as the API, the order table and object-form books name them. */
export const SIDES = ['buy', 'sell'] as const;
export type Side = (typeof SIDES)[number];

/** Side codes of the columnar book: a side's index in {@link SIDES}. */
export const BUY = 0;
export const SELL = 1;
export type SideCode = typeof BUY | typeof SELL;

/**
 * One market's orders for one interval, as parallel typed arrays so that the book can be
 * transferred or shared between threads without copying. Entry k of every column
 * describes the same order; only the first `n` entries count.
 *
 * - `ids`: the order ids (the database's bigint ids, as doubles); unique within the book.
 * - `sides`: {@link BUY} or {@link SELL}.
 * - `prices`: limit prices in currency per quantity unit.
 * - `quantities`: positive integers, in micro-units (see {@link toMicro}).
 */
export interface OrderBook {
  readonly n: number;
  readonly ids: Float64Array;
  readonly sides: Uint8Array;
  readonly prices: Float64Array;
  readonly quantities: Float64Array;
}

/** An order in object form, with its quantity in quantity units (not micro-units). */
export interface OrderInput {
  readonly id: number;
  readonly side: Side;
  readonly price: number;
  readonly quantity: number;
}

/** Quantities are carried as integers in millionths of the quantity unit. */
export const MICRO = 1_000_000;

/**
 * Converts a quantity in units to integer micro-units (the one rounding step of the engine).
 * Of quantities only: money has its own micro-units (storage/values.ts, moneyToMicro).
 */
export function toMicro(quantity: number): number {
  return Math.round(quantity * MICRO);
}

/** Converts integer micro-units back to quantity units. */
export function fromMicro(micro: number): number {
  return micro / MICRO;
}

/**
 * Allocates an empty book for `n` orders. With `shared`, the columns live in one
 * SharedArrayBuffer (laid out ids | prices | quantities | sides) so that several threads
 * can read the same book.
 */
export function allocateBook(n: number, shared = false): OrderBook {
  if (!Number.isInteger(n) || n < 0) throw invalid(`book size must be a whole number, not ${n}`);
  if (!shared) {
    return {
      n,
      ids: new Float64Array(n),
      sides: new Uint8Array(n),
      prices: new Float64Array(n),
      quantities: new Float64Array(n),
    };
  }
  const buffer = new SharedArrayBuffer(n * 25);
  return {
    n,
    ids: new Float64Array(buffer, 0, n),
    prices: new Float64Array(buffer, n * 8, n),
    quantities: new Float64Array(buffer, n * 16, n),
    sides: new Uint8Array(buffer, n * 24, n),
  };
}

/**
 * Builds a book from orders in object form, converting quantities to micro-units.
 * Rejects a quantity that is not a positive finite number or that rounds to zero micro-units.
 */
export function bookFromOrders(orders: readonly OrderInput[], shared = false): OrderBook {
  const book = allocateBook(orders.length, shared);
  orders.forEach((order, k) => {
    const micro = toMicro(order.quantity);
    if (!(micro > 0) || !Number.isFinite(micro)) {
      throw invalid(
        `order ${order.id}: quantity must be a positive number of at least 0.000001, not ${order.quantity}`,
      );
    }
    if (order.side !== 'buy' && order.side !== 'sell') {
      throw invalid(`order ${order.id}: side must be "buy" or "sell"`);
    }
    book.ids[k] = order.id;
    book.sides[k] = order.side === 'buy' ? BUY : SELL;
    book.prices[k] = order.price;
    book.quantities[k] = micro;
  });
  return book;
}
