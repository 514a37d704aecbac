import { type ClearingType, SPECIAL_MODES, type SpecialMode } from './auction.js';
import { allocateBook, BUY, MICRO, type OrderBook, SELL, type Side, toMicro } from './book.js';
import { type ClearResult, clearBook } from './clear.js';
import type { ClearOptions } from './clear-options.js';
import { invalid } from './errors.js';

/**
 * The JSON form of one market to clear (the `tess clear` contract), its validation, and the
 * JSON form of the result. Pure: text or values in, values out; reused by the HTTP layer.
 *
 * Input:  {"price_cap"?, "clearing_scalar"?, "special_mode"?, "fixed_price"?, "fixed_quantity"?,
 *          "interval"?, "orders": [{"id", "side": "buy"|"sell", "price", "quantity"}]}
 * Output: {"price", "quantity", "type", "marginal_quantity", "marginal_frac", "buyer_total",
 *          "seller_total", "fills": [{"id", "side", "quantity", "amount"}]} (fills in input order)
 *
 * String ids are sorted and each order gets its id's rank as numeric id, so the result never
 * depends on the order of the input.
 */

export interface ClearInput {
  readonly book: OrderBook;
  readonly options: ClearOptions;
  /** The orders' string ids, by input index. */
  readonly ids: readonly string[];
}

export interface ClearOutputFill {
  readonly id: string;
  readonly side: Side;
  readonly quantity: number;
  readonly amount: number;
}

/**
 * A clearing's figures under the names they are recorded and shown by: the columns of the
 * price table (storage/rows.ts PriceRow) and the fields of `tess clear`'s output.
 */
export interface ClearingFigures {
  readonly price: number;
  readonly quantity: number;
  readonly type: ClearingType;
  readonly marginal_quantity: number;
  readonly marginal_frac: number;
  readonly buyer_total: number;
  readonly seller_total: number;
}

export interface ClearOutput extends ClearingFigures {
  readonly fills: readonly ClearOutputFill[];
  /** Ids of orders left out because their side could not hold them exactly; absent when none. */
  readonly rejected?: readonly string[];
}

const TOP_LEVEL_KEYS = new Set([
  'price_cap',
  'clearing_scalar',
  'special_mode',
  'fixed_price',
  'fixed_quantity',
  'interval',
  'orders',
]);
const ORDER_KEYS = new Set(['id', 'side', 'price', 'quantity']);

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(input: Record<string, unknown>, key: string): number | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`${key} must be a finite number, not ${describe(value)}`);
  }
  return value;
}

/** Parses and validates the JSON text of one market. Throws TessError INVALID with a one-line message. */
export function parseClearInput(text: string): ClearInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = (err as Error).message.replace(/\s+/g, ' ').trim();
    throw invalid(`input is not valid JSON: ${reason}`);
  }
  return validateClearInput(value);
}

/** Validates an already parsed input value. Throws TessError INVALID with a one-line message. */
export function validateClearInput(value: unknown): ClearInput {
  if (!isObject(value)) throw invalid('input must be a JSON object with an "orders" array');
  for (const key of Object.keys(value)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw invalid(`unknown key "${key}" in input`);
  }
  const priceCap = optionalNumber(value, 'price_cap');
  if (priceCap !== undefined && !(priceCap > 0)) throw invalid(`price_cap must be > 0, not ${priceCap}`);
  const clearingScalar = optionalNumber(value, 'clearing_scalar');
  if (clearingScalar !== undefined && !(clearingScalar >= 0 && clearingScalar <= 1)) {
    throw invalid(`clearing_scalar must be between 0 and 1, not ${clearingScalar}`);
  }
  const mode = value['special_mode'];
  if (mode !== undefined && !SPECIAL_MODES.includes(mode as SpecialMode)) {
    throw invalid(`special_mode must be one of ${SPECIAL_MODES.join(', ')}, not ${describe(mode)}`);
  }
  const specialMode = mode as SpecialMode | undefined;
  const fixedPrice = optionalNumber(value, 'fixed_price');
  const fixedQuantity = optionalNumber(value, 'fixed_quantity');
  if (fixedQuantity !== undefined && fixedQuantity < 0) {
    throw invalid(`fixed_quantity must be >= 0, not ${fixedQuantity}`);
  }
  const interval = optionalNumber(value, 'interval');
  if (interval !== undefined && !(interval > 0))
    throw invalid(`interval must be > 0 seconds, not ${interval}`);

  const orders = value['orders'];
  if (orders === undefined) throw invalid('missing "orders" (an array of orders)');
  if (!Array.isArray(orders)) throw invalid(`"orders" must be an array, not ${describe(orders)}`);

  const n = orders.length;
  const book = allocateBook(n);
  const ids: string[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const order: unknown = orders[k];
    if (!isObject(order)) throw invalid(`order at index ${k}: must be an object, not ${describe(order)}`);
    const id = order['id'];
    if (typeof id !== 'string' || id === '') {
      throw invalid(`order at index ${k}: id must be a non-empty string, not ${describe(id)}`);
    }
    const name = `order ${JSON.stringify(id)} (index ${k})`;
    for (const key of Object.keys(order)) {
      if (!ORDER_KEYS.has(key)) throw invalid(`${name}: unknown key "${key}"`);
    }
    const side = order['side'];
    if (side !== 'buy' && side !== 'sell')
      throw invalid(`${name}: side must be "buy" or "sell", not ${describe(side)}`);
    if (specialMode === 'BUYERS_ONLY' && side === 'sell')
      throw invalid(`${name}: a BUYERS_ONLY market takes no sell orders`);
    if (specialMode === 'SELLERS_ONLY' && side === 'buy')
      throw invalid(`${name}: a SELLERS_ONLY market takes no buy orders`);
    const price = order['price'];
    if (typeof price !== 'number' || !Number.isFinite(price)) {
      throw invalid(`${name}: price must be a finite number, not ${describe(price)}`);
    }
    const quantity = order['quantity'];
    if (typeof quantity !== 'number' || !Number.isFinite(quantity)) {
      throw invalid(`${name}: quantity must be a finite number, not ${describe(quantity)}`);
    }
    if (!(quantity > 0)) throw invalid(`${name}: quantity must be > 0, not ${quantity}`);
    const micro = toMicro(quantity);
    if (micro === 0) throw invalid(`${name}: quantity ${quantity} rounds to 0 at a resolution of 0.000001`);
    if (micro > Number.MAX_SAFE_INTEGER) throw invalid(`${name}: quantity ${quantity} is too large`);
    ids[k] = id;
    book.sides[k] = side === 'buy' ? BUY : SELL;
    book.prices[k] = price;
    book.quantities[k] = micro;
  }

  // Numeric ids: each string id's rank in sorted order.
  const byId = Array.from({ length: n }, (_, k) => k).sort((x, y) => {
    const a = ids[x]!;
    const b = ids[y]!;
    return a < b ? -1 : a > b ? 1 : x - y;
  });
  for (let r = 0; r < n; r++) {
    const k = byId[r]!;
    if (r > 0 && ids[byId[r - 1]!] === ids[k]) {
      throw invalid(
        `order ${JSON.stringify(ids[k])} (index ${k}): duplicate id, also at index ${byId[r - 1]}`,
      );
    }
    book.ids[k] = r;
  }

  const options: ClearOptions = {
    ...(priceCap === undefined ? {} : { priceCap }),
    ...(clearingScalar === undefined ? {} : { clearingScalar }),
    ...(specialMode === undefined ? {} : { specialMode }),
    ...(fixedPrice === undefined ? {} : { fixedPrice }),
    ...(fixedQuantity === undefined ? {} : { fixedQuantity }),
    ...(interval === undefined ? {} : { interval }),
  };
  return { book, options, ids };
}

/** The JSON-ready result: quantities in units, amounts in currency, fills in input order. */
export function formatClearOutput(input: ClearInput, result: ClearResult): ClearOutput {
  const { book, ids } = input;
  const fills: ClearOutputFill[] = new Array(book.n);
  for (let k = 0; k < book.n; k++) {
    fills[k] = {
      id: ids[k]!,
      side: book.sides[k] === BUY ? 'buy' : 'sell',
      quantity: result.fills[k]! / MICRO,
      amount: result.amounts[k]! / MICRO,
    };
  }
  return {
    price: result.price,
    quantity: result.quantity,
    type: result.type,
    marginal_quantity: result.marginalQuantity,
    marginal_frac: result.marginalFrac,
    buyer_total: result.buyerTotal,
    seller_total: result.sellerTotal,
    fills,
    ...(result.rejected.length ? { rejected: result.rejected.map((k) => ids[k]!) } : {}),
  };
}

/** Parses, clears and formats: the whole `tess clear` transformation, JSON text in, JSON text out. */
export function clearJson(text: string): string {
  const input = parseClearInput(text);
  const result = clearBook(input.book, input.options);
  return `${JSON.stringify(formatClearOutput(input, result))}\n`;
}
