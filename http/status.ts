import type { ErrorCode } from './error-codes.js';

/**
 * The one mapping from error code to HTTP status. Every code has a status (the type
 * makes a new code without one a compile error); README's "HTTP API" table is checked
 * against this object by a test.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID: 400,
  NOT_UNIQUE: 400,
  CLOCK_SET: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  IMMUTABLE: 405,
  METHOD_NOT_ALLOWED: 405,
  EXISTS: 409,
  INTERVAL_CLOSED: 409,
  WRONG_STATE: 409,
  NOT_EMPTY: 409,
  ORDER_LIMIT: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  MIGRATION: 503,
});

export const httpStatus = (code: ErrorCode): number => HTTP_STATUS[code] ?? 500;
