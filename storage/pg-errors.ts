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
  /** A dataset's site not found (migrations/000013). */
  DATASET_SITE: 'TS013',
  /** A dataset's intervals overlapping (migrations/000013). */
  DATASET_OVERLAP: 'TS014',
} as const;

/**
 * The database out of reach: socket errors, SQLSTATE classes 08 (connection exception)
 * and 57P0x (the server shutting down or terminating the backend).
 */
const OUTAGE_CODES = /^(ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|57P0\d|08\d\d\d)$/;
/**
 * pg-pool's wait for a free client timing out, and a connection dropped under a query:
 * the only outages pg reports without a code.
 */
const OUTAGE_MESSAGES =
  /^(timeout exceeded when trying to connect|Connection terminated( unexpectedly| due to connection timeout)?)$/;

/** Names of our own schema objects (never TimescaleDB's chunks and their generated constraints). */
const SCHEMA_NAME = /^(?!_|constraint_)[a-z][a-z0-9_]{0,62}$/;

interface PgError {
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly column?: string;
  readonly constraint?: string;
}

/** Column names of a key in PostgreSQL's detail ("Key (device_id)=(7) …"), without the values. */
function keyColumns(detail: string | undefined): string | null {
  const m = /^Key \(([a-z0-9_, ]+)\)=/.exec(detail ?? '');
  return m ? m[1]! : null;
}

/**
 * What the database's refusal of a row says to a caller. PostgreSQL's own message and
 * detail name TimescaleDB chunks and repeat the failing row (values of other columns,
 * other users' keys): they stay in the cause, for the log, and the message names the rule.
 */
function refusal(e: PgError): { code: ErrorCode; message: string } | null {
  const constraint = e.constraint && SCHEMA_NAME.test(e.constraint) ? ` (${e.constraint})` : '';
  const columns = keyColumns(e.detail);
  switch (e.code) {
    case SqlState.IMMUTABLE:
      return { code: ErrorCode.IMMUTABLE, message: e.message || 'immutable' };
    case SqlState.DATASET_SITE:
      return { code: ErrorCode.NOT_FOUND, message: e.message || 'site not found' };
    case SqlState.DATASET_OVERLAP:
      return { code: ErrorCode.INVALID, message: e.message || 'intervals overlap' };
    case SqlState.CHECK_VIOLATION:
      return { code: ErrorCode.INVALID, message: `a value breaks a rule of the table${constraint}` };
    case SqlState.NOT_NULL_VIOLATION:
      return {
        code: ErrorCode.INVALID,
        message:
          e.column && SCHEMA_NAME.test(e.column)
            ? `${e.column} must not be null`
            : 'a value must not be null',
      };
    case SqlState.INVALID_TEXT_REPRESENTATION:
      return { code: ErrorCode.INVALID, message: 'a value does not have the form of its column' };
    case SqlState.DATETIME_FIELD_OVERFLOW:
      return { code: ErrorCode.INVALID, message: 'a time is out of range' };
    case SqlState.NUMERIC_VALUE_OUT_OF_RANGE:
      return { code: ErrorCode.INVALID, message: 'a number is out of range' };
    case SqlState.FOREIGN_KEY_VIOLATION:
      return {
        code: ErrorCode.NOT_FOUND,
        message: `referenced entry not found${columns ? ` (${columns})` : ''}`,
      };
    case SqlState.UNIQUE_VIOLATION:
      return {
        code: ErrorCode.EXISTS,
        message: columns ? `an entry with this ${columns} exists` : 'the entry exists',
      };
    default:
      return null;
  }
}

/** Whether `err` (or an error it was caused by) is the database being unreachable. */
function isOutage(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && OUTAGE_CODES.test(code)) return true;
    if (OUTAGE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * Turns a PostgreSQL error into a TessError with a stable code, keeping it as the cause:
 * a refused row becomes INVALID, NOT_FOUND, EXISTS or IMMUTABLE naming the rule, an
 * unreachable database UNAVAILABLE. Other errors (and TessErrors) pass through.
 */
export function translatePgError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof TessError) return err;
  const { code, severity } = err as { code?: unknown; severity?: unknown };
  // pg's DatabaseError: a SQLSTATE and a severity.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') {
    const refused = refusal(err as unknown as PgError);
    if (refused) return new TessError(refused.code, refused.message, { cause: err });
  }
  if (isOutage(err))
    return new TessError(ErrorCode.UNAVAILABLE, 'the database is unavailable', { cause: err });
  return err;
}

/** Whether `err` is a translation of the database refusing a value (its cause belongs in the log). */
export function isRefusal(err: unknown): boolean {
  return (
    err instanceof TessError &&
    err.code !== ErrorCode.UNAVAILABLE &&
    translatePgError(err.cause) !== err.cause
  );
}
