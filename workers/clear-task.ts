import { type ClearOptions, ClearScratch, clearBook } from '../engine/index.js';

/** What crosses to a clearing thread: the book's columns (transferred) and the options. */
export interface ClearTask {
  readonly n: number;
  readonly ids: Float64Array;
  readonly sides: Uint8Array;
  readonly prices: Float64Array;
  /** Micro-units. */
  readonly quantities: Float64Array;
  readonly options: ClearOptions;
}

export interface ClearTaskResult {
  readonly price: number;
  readonly quantity: number;
  readonly type: string;
  readonly marginalQuantity: number;
  readonly marginalFrac: number;
  readonly buyerTotal: number;
  readonly sellerTotal: number;
  readonly amountTotal: number;
  readonly fills: Float64Array;
  readonly amounts: Float64Array;
}

/**
 * Runs in a worker thread: clears the book. The result's arrays are copied back (one
 * memcpy of 16 bytes per order), which costs far less than the clearing itself.
 */
/** Working memory of this thread, reused from one interval to the next. */
const scratch = new ClearScratch();

export default function clearTask(task: ClearTask): ClearTaskResult {
  const r = clearBook(task, task.options, scratch);
  const result: ClearTaskResult = {
    price: r.price,
    quantity: r.quantity,
    type: r.type,
    marginalQuantity: r.marginalQuantity,
    marginalFrac: r.marginalFrac,
    buyerTotal: r.buyerTotal,
    sellerTotal: r.sellerTotal,
    amountTotal: r.amountTotal,
    fills: r.fills,
    amounts: r.amounts,
  };
  return result;
}
