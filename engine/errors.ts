/**
 * Every failure TESS reports on purpose carries a stable code. Messages may be
 * reworded; codes may not, because clients, the HTTP layer and tests branch on them.
 *
 * These are the domain's codes, the words of the market (engine/), its ledger and
 * database (storage/) and the runtime (workers/); every layer may raise them. Codes
 * that only a request can earn (a missing token, a body too large, ...) belong to the
 * HTTP layer (http/error-codes.ts), which maps every code to a status (http/status.ts).
 */
export const ErrorCode = {
  /** Input that does not have the required shape or range. */
  INVALID: 'INVALID',
  /** An `add` whose natural key is already taken: "{key} exists". */
  EXISTS: 'EXISTS',
  /** A `set` or lookup of an entry that does not exist: "{key} not found". */
  NOT_FOUND: 'NOT_FOUND',
  /** `find` criteria that match more than one entry: "result is not unique". */
  NOT_UNIQUE: 'NOT_UNIQUE',
  /** A change to a table whose rows may only be added (price, transaction, log). */
  IMMUTABLE: 'IMMUTABLE',
  /** A write while the clock is set to the past. */
  CLOCK_SET: 'CLOCK_SET',
  /** An order change after its interval closed. */
  INTERVAL_CLOSED: 'INTERVAL_CLOSED',
  /**
   * A change the entry's present state does not allow: a resolved alert changed, a job
   * acknowledged before it was sent or after it failed.
   */
  WRONG_STATE: 'WRONG_STATE',
  /**
   * An order that would take its device past its market's device-orders-max or
   * device-quantity-max in one interval (engine/order-limits.ts).
   */
  ORDER_LIMIT: 'ORDER_LIMIT',
  /** A load into a database that already holds data. */
  NOT_EMPTY: 'NOT_EMPTY',
  /** PostgreSQL or Redis cannot be reached. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The migration state is dirty or a migration failed. */
  MIGRATION: 'MIGRATION',
  /** A broken invariant: a bug, not bad input. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * A failure with a stable code. `Code` is the domain's codes; the HTTP layer widens it
 * to its own (http/error-codes.ts). NoInfer: the code must be one of `Code`, not any
 * string the caller happens to write.
 */
export class TessError<Code extends string = ErrorCode> extends Error {
  override readonly name = 'TessError';
  constructor(
    readonly code: NoInfer<Code>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isTessError = (e: unknown): e is TessError => e instanceof TessError;

/** An INVALID error: input without the required shape or range. */
export function invalid(message: string): TessError {
  return new TessError(ErrorCode.INVALID, message);
}
