import { parseTime } from '../engine/time.js';
import { ErrorCode } from './error-codes.js';
import type { ColumnDef, TableDef } from '../storage/index.js';
import { fail } from './errors.js';

/**
 * The as-of time of a read, or null for now. A time later than the server's `now` is
 * refused: the answer for it could still change, and serving the present under a future
 * time would pass that off as settled. No clock-skew allowance, so the rule is exact.
 */
export function parseAsof(value: string | undefined, now: Date): Date | null {
  if (value === undefined) return null;
  const asof = parseTime(value, 'asof');
  if (asof > now) {
    throw fail(
      ErrorCode.INVALID,
      `asof must not be later than the server's time (${now.toISOString()}), not ${JSON.stringify(value)}`,
    );
  }
  return asof;
}

export function parseLimit(value: string | undefined, max = 1000, fallback = 100): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw fail(
      ErrorCode.INVALID,
      `limit must be a whole number from 1 to ${max}, not ${JSON.stringify(value)}`,
    );
  }
  return n;
}

export function parseCursor(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw fail(ErrorCode.INVALID, `after must be a whole number`);
  return n;
}

export function parseId(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d{1,15}$/.test(value) || !Number.isSafeInteger(n)) {
    throw fail(ErrorCode.INVALID, `${name} must be a whole number, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** Turns a query string value into a column's value ("null" is SQL NULL for nullable columns). */
export function parseColumn(col: ColumnDef, value: string): unknown {
  const name = `query.${col.name}`;
  if (value === 'null' && col.optional && col.kind !== 'text') return null;
  switch (col.kind) {
    case 'text':
      if (value.includes('\0')) throw fail(ErrorCode.INVALID, `${name} must not contain NUL characters`);
      if (col.values && !col.values.includes(value)) {
        throw fail(ErrorCode.INVALID, `${name} must be one of ${col.values.join(', ')}`);
      }
      return value;
    case 'bigint':
    case 'integer': {
      const n = Number(value);
      if (!/^-?\d{1,15}$/.test(value) || (col.kind === 'integer' && Math.abs(n) > 2 ** 31 - 1)) {
        throw fail(ErrorCode.INVALID, `${name} must be an integer, not ${JSON.stringify(value)}`);
      }
      return n;
    }
    case 'float':
    case 'money': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) {
        throw fail(ErrorCode.INVALID, `${name} must be a finite number, not ${JSON.stringify(value)}`);
      }
      return n;
    }
    case 'boolean':
      if (value !== 'true' && value !== 'false')
        throw fail(ErrorCode.INVALID, `${name} must be true or false`);
      return value === 'true';
    case 'timestamptz':
      return parseTime(value, name);
  }
  return value;
}

/** The column filters of a query (every parameter naming a column of `def`). */
export function columnFilters(def: TableDef, query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const col of def.columns) {
    const v = query[col.name];
    if (typeof v === 'string') out[col.name] = parseColumn(col, v);
  }
  return out;
}
