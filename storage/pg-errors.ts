import { ErrorCode, TessError } from '../engine/errors.js';

/** SQLSTATE codes TESS translates at the storage boundary. */
export const SqlState = {
  UNIQUE_VIOLATION: '23505',
  FOREIGN_KEY_VIOLATION: '23503',
  CHECK_VIOLATION: '23514',
  NOT_NULL_VIOLATION: '23502',
  INVALID_TEXT_REPRESENTATION: '22P02',
  DATETIME_FIELD_OVERFLOW: '22008',
  NUMERIC_VALUE_OUT_OF_RANGE: '22003',
  /** Also TimescaleDB's answer to a refresh of an aggregate window another refresh holds. */
  LOCK_NOT_AVAILABLE: '55P03',
  /** Raised by tess_guard_immutable() (migrations/000003). */
  IMMUTABLE: 'TS001',
} as const;

/** Turns a PostgreSQL error into a TessError with a stable code, keeping it as the cause. */
export function translatePgError(err: unknown): unknown {
  if (!err || typeof err !== 'object' || err instanceof TessError) return err;
  const e = err as { code?: string; message?: string; detail?: string; constraint?: string; column?: string };
  const detail = e.detail ? ` (${e.detail})` : '';
  switch (e.code) {
    case SqlState.IMMUTABLE:
      return new TessError(ErrorCode.IMMUTABLE, e.message ?? 'immutable', { cause: err });
    case SqlState.FOREIGN_KEY_VIOLATION:
      return new TessError(ErrorCode.NOT_FOUND, `referenced entry not found${detail}`, { cause: err });
    case SqlState.CHECK_VIOLATION:
    case SqlState.NOT_NULL_VIOLATION:
    case SqlState.INVALID_TEXT_REPRESENTATION:
    case SqlState.DATETIME_FIELD_OVERFLOW:
    case SqlState.NUMERIC_VALUE_OUT_OF_RANGE:
      return new TessError(ErrorCode.INVALID, `${e.message}${detail}`, { cause: err });
    case SqlState.UNIQUE_VIOLATION:
      return new TessError(ErrorCode.EXISTS, `${e.message}${detail}`, { cause: err });
    default:
      return err;
  }
}
