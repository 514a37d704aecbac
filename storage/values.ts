import { ErrorCode, TessError } from '../engine/errors.js';
import { parseTime } from '../engine/time.js';
import type { ColumnDef, TableDef } from './tables.js';

const invalid = (table: string, column: string, problem: string) =>
  new TessError(ErrorCode.INVALID, `${table}.${column} ${problem}`);

/** A Date, or an ISO-8601 time by engine/time.ts's rule; rejects anything else by name. */
export function toDate(value: unknown, what: string): Date {
  if (typeof value === 'string') return parseTime(value, what);
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TessError(ErrorCode.INVALID, `${what} must be an ISO-8601 time, not ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks one value against its column; returns it in the form stored (Date for times). */
export function checkValue(def: TableDef, col: ColumnDef, value: unknown): unknown {
  if (value === undefined && col.default !== undefined) return col.default;
  if (value === null || value === undefined) {
    if (col.optional) return null;
    throw invalid(def.name, col.name, 'is required');
  }
  switch (col.kind) {
    case 'text':
      if (typeof value !== 'string')
        throw invalid(def.name, col.name, `must be a string, not ${JSON.stringify(value)}`);
      if (value.includes('\0')) throw invalid(def.name, col.name, 'must not contain NUL characters');
      if (col.nonEmpty && value === '') throw invalid(def.name, col.name, 'must not be empty');
      if (col.values && !col.values.includes(value)) {
        throw invalid(
          def.name,
          col.name,
          `must be one of ${col.values.join(', ')}, not ${JSON.stringify(value)}`,
        );
      }
      return value;
    case 'bigint':
    case 'integer':
      if (
        typeof value !== 'number' ||
        !Number.isSafeInteger(value) ||
        (col.kind === 'integer' && Math.abs(value) > 2 ** 31 - 1)
      ) {
        throw invalid(def.name, col.name, `must be an integer, not ${JSON.stringify(value)}`);
      }
      return value;
    case 'float':
    case 'money':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw invalid(def.name, col.name, `must be a finite number, not ${JSON.stringify(value)}`);
      }
      // Doubles hold six decimals exactly only below about 2^31: money stays well inside.
      if (col.kind === 'money' && Math.abs(value) >= 1e9) {
        throw invalid(
          def.name,
          col.name,
          'is out of range: money is exact to a millionth within ±1,000,000,000',
        );
      }
      return roundColumn(def, col, value);
    case 'boolean':
      if (typeof value !== 'boolean')
        throw invalid(def.name, col.name, `must be true or false, not ${JSON.stringify(value)}`);
      return value;
    case 'timestamptz':
      return toDate(value, `${def.name}.${col.name}`);
  }
}

/**
 * Validates the fields of an add or set: known columns only, right kinds, required ones
 * present (for a full row). Returns a new object holding every column of the table.
 */
export function checkFields(
  def: TableDef,
  fields: Record<string, unknown>,
  full: boolean,
): Record<string, unknown> {
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new TessError(ErrorCode.INVALID, `${def.name}: fields must be an object`);
  }
  const known = new Set(def.columns.map((col) => col.name));
  for (const name of Object.keys(fields)) {
    if (!known.has(name)) {
      const why = name === def.id || name === 'created' ? 'is set by the database' : 'is not a column';
      throw invalid(def.name, name, why);
    }
  }
  const out: Record<string, unknown> = {};
  for (const col of def.columns) {
    if (col.name in fields || full) out[col.name] = checkValue(def, col, fields[col.name]);
  }
  return out;
}

function roundColumn(def: TableDef, col: ColumnDef, value: number): number {
  const stored = col.decimals === undefined ? value : roundTo(value, col.decimals);
  if (col.positive && !(stored > 0)) {
    const least = col.decimals === undefined ? '' : ` (at least ${10 ** -col.decimals})`;
    throw invalid(def.name, col.name, `must be greater than 0${least}, not ${value}`);
  }
  return stored;
}

/** Rounds to `decimals` places the way the engine does (half away from zero). */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  const scaled = Math.abs(value) * scale;
  return (Math.sign(value) * Math.round(scaled)) / scale + 0;
}

/** Money in exact micro-units of the currency, as numeric text ("-12.345678"). */
export function microToDecimal(micro: number): string {
  const sign = micro < 0 ? '-' : '';
  const abs = Math.abs(micro);
  const whole = Math.floor(abs / 1e6);
  const frac = abs - whole * 1e6;
  return `${sign}${whole}.${String(frac).padStart(6, '0')}`;
}

/**
 * Money in exact micro-units of the currency (money columns keep six decimals). Not the
 * engine's toMicro, which is of quantities.
 */
export const moneyToMicro = (amount: number): number => Math.round(amount * 1e6);
