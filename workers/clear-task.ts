import { Piscina } from 'piscina';
import {
  CLEARING_TYPES,
  type ClearedBook,
  type ClearOptions,
  ClearScratch,
  clearBook,
  type OrderBook,
} from '../engine/index.js';

/** What crosses to a clearing thread: the book's columns (transferred) and the options. */
export interface ClearTask extends OrderBook {
  readonly options: ClearOptions;
}

/**
 * The result travels back as ONE Float64Array, transferred without copying: nine
 * scalars (the last the number of rejected orders), then the fills, the amounts and the
 * indexes of the rejected orders.
 */
const HEADER = 9;

export function packResult(r: ClearedBook, n: number): Float64Array {
  const packed = new Float64Array(HEADER + 2 * n + r.rejected.length);
  packed.set([
    r.price,
    r.quantity,
    CLEARING_TYPES.indexOf(r.type),
    r.marginalQuantity,
    r.marginalFrac,
    r.buyerTotal,
    r.sellerTotal,
    r.amountTotal,
    r.rejected.length,
  ]);
  packed.set(r.fills.subarray(0, n), HEADER);
  packed.set(r.amounts.subarray(0, n), HEADER + n);
  packed.set(r.rejected, HEADER + 2 * n);
  return packed;
}

export function unpackResult(packed: Float64Array): ClearedBook {
  const rejected = packed[8]!;
  const n = (packed.length - HEADER - rejected) / 2;
  return {
    price: packed[0]!,
    quantity: packed[1]!,
    type: CLEARING_TYPES[packed[2]!]!,
    marginalQuantity: packed[3]!,
    marginalFrac: packed[4]!,
    buyerTotal: packed[5]!,
    sellerTotal: packed[6]!,
    amountTotal: packed[7]!,
    fills: packed.subarray(HEADER, HEADER + n),
    amounts: packed.subarray(HEADER + n, HEADER + 2 * n),
    rejected: Array.from(packed.subarray(HEADER + 2 * n)),
  };
}

/** Working memory of this thread, reused from one interval to the next. */
const scratch = new ClearScratch();

/** Runs in a worker thread: clears the book, moves the packed result back. */
export default function clearTask(task: ClearTask): Float64Array {
  const r = clearBook(task, task.options, scratch);
  return Piscina.move(packResult(r, task.n)) as unknown as Float64Array;
}
