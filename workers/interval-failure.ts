import { type ClearedBook, DEFAULT_PRICE_CAP } from '../engine/index.js';
import { ErrorCode, isTessError, TessError } from '../engine/errors.js';
import { isDataError } from '../storage/index.js';
import type { Market } from '../storage/index.js';
import { clearOptions } from './market-options.js';

/**
 * Which failures of an interval are its own and which are the world's. A deterministic
 * failure comes back on every attempt — something the engine refuses (a book it cannot
 * clear, options it cannot read), config the runtime cannot read (`price-cap` = "abc",
 * an order limit out of range), rows PostgreSQL refuses for their data (numeric
 * overflow, a check violation) — so retrying it only holds up every later interval of
 * the market: the interval is recorded as a FAILURE instead. Anything else (a dropped
 * connection, a pool timeout, a serialization failure or lock timeout, Redis, an outage)
 * may pass, and the interval is retried as before.
 */
export function isDeterministic(err: unknown): boolean {
  if (isTessError(err)) return err.code !== ErrorCode.UNAVAILABLE;
  return isDataError(err);
}

/** What the engine threw, as a deterministic error (a thread hands back only a plain Error). */
export function engineRefused(err: unknown): TessError {
  return new TessError(
    ErrorCode.INVALID,
    `the engine cannot clear the book: ${(err as Error)?.message ?? err}`,
    {
      cause: err,
    },
  );
}

/** The one-line reason recorded for a failure. */
export function failureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 1000 ? `${message.slice(0, 1000)}…` : message;
}

/**
 * The result written for an interval that could not clear. Nothing clears (quantity 0,
 * every fill 0, no money), and the price is the market's price cap, as in GridLAB-D's
 * FAILURE (demand that cannot be met is priced at the cap): a device that reads it backs
 * off rather than being told energy is free. A cap that cannot be read (it may be the
 * reason) is the default cap.
 */
export function failedBook(market: Market, seconds: number, n: number): ClearedBook {
  let cap = DEFAULT_PRICE_CAP;
  try {
    const configured = clearOptions(market, seconds).priceCap;
    if (configured !== undefined && Number.isFinite(configured) && configured > 0) cap = configured;
  } catch {
    // The default cap stands.
  }
  return {
    price: cap,
    quantity: 0,
    type: 'FAILURE',
    marginalQuantity: 0,
    marginalFrac: 0,
    buyerTotal: 0,
    sellerTotal: 0,
    amountTotal: 0,
    fills: new Float64Array(n),
    amounts: new Float64Array(n),
    rejected: [],
  };
}
