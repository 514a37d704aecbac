import { invalid, isTessError } from '../errors.js';
import type { DatasetTypeDef } from './dataset-types.js';
import { parseInstant, whereText, type Where } from './instant.js';

/** One row of a series, checked: its half-open interval (ms) and values in the type's column order. */
export interface SeriesRow {
  readonly start: number;
  readonly end: number;
  readonly values: readonly (number | null)[];
}

/** A row as read, with where it was read ("line 7", "rows[5]") for the errors that name it. */
export interface PlacedRow extends SeriesRow {
  readonly place: string;
}

/** Longest interval a row may cover: a year (tariffs change by season, weather by the minute). */
export const ROW_SPAN_MAX_MS = 366 * 86_400_000;
/** Longest text of one field. */
const FIELD_MAX = 64;

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function number(text: string, where: Where, min: number, max: number): number {
  if (text.length > FIELD_MAX || !NUMBER.test(text)) {
    throw invalid(`${whereText(where)}: ${JSON.stringify(text.slice(0, FIELD_MAX))} is not a number`);
  }
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max)
    throw invalid(`${whereText(where)}: ${text.trim()} is not in ${min}..${max}`);
  return n;
}

/** An interval's end after its start, and at most ROW_SPAN_MAX_MS after it. */
function checkSpan(start: number, end: number, where: Where): void {
  if (!(end > start))
    throw invalid(`${whereText(where)}: must be after start_ts (an interval is start_ts <= t < end_ts)`);
  if (end - start > ROW_SPAN_MAX_MS)
    throw invalid(`${whereText(where)}: an interval may cover at most a year`);
}

function row(
  def: DatasetTypeDef,
  where: (column: string) => string,
  get: (column: string) => unknown,
): SeriesRow {
  const instant = (column: string) => {
    const value = get(column);
    if (typeof value !== 'string') throw invalid(`${where(column)}: a time is required`);
    return parseInstant(value, where(column));
  };
  const start = instant('start_ts');
  const end = instant('end_ts');
  checkSpan(start, end, where('end_ts'));
  let given = 0;
  const values = def.columns.map((c) => {
    const value = get(c.name);
    if (value === undefined || value === null || value === '') {
      if (!c.optional) throw invalid(`${where(c.name)}: a value is required`);
      return null;
    }
    given++;
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || value < c.min || value > c.max)
        throw invalid(`${where(c.name)}: ${value} is not in ${c.min}..${c.max}`);
      return value;
    }
    if (typeof value !== 'string') throw invalid(`${where(c.name)}: a number is required`);
    return number(value, where(c.name), c.min, c.max);
  });
  if (def.anyValue && given === 0) {
    throw invalid(`${where(def.columns.map((c) => c.name).join('/'))}: at least one of them is required`);
  }
  return { start, end, values };
}

/**
 * Reads the rows of a CSV file of a type's series. The header names the columns, in any
 * order: start_ts, end_ts and the type's value columns (optional ones may be left out);
 * an unknown or repeated column is refused, so a misspelt header does not pass as empty.
 * A row is read by the positions the header gave (a million rows a file: no lookups).
 */
export class CsvSeriesReader {
  private readonly width: number;
  private readonly startAt: number;
  private readonly endAt: number;
  /** Per value column of the type, its field's position, or -1 when the header leaves it out. */
  private readonly valueAt: readonly number[];
  /** Per value column, how its errors name it. */
  private readonly names: readonly string[];

  constructor(
    private readonly def: DatasetTypeDef,
    header: readonly string[],
  ) {
    const known = new Set(['start_ts', 'end_ts', ...def.columns.map((c) => c.name)]);
    const index = new Map<string, number>();
    for (const [i, raw] of header.entries()) {
      const name = raw.trim();
      if (!known.has(name)) {
        throw invalid(
          `line 1, column ${i + 1}: ${JSON.stringify(name.slice(0, FIELD_MAX))} is not a column of ${def.type} (columns: ${[...known].join(', ')})`,
        );
      }
      if (index.has(name)) throw invalid(`line 1, column ${i + 1}: ${name} is named twice`);
      index.set(name, i);
    }
    for (const name of ['start_ts', 'end_ts', ...def.columns.filter((c) => !c.optional).map((c) => c.name)]) {
      if (!index.has(name)) throw invalid(`line 1: the header names no ${name} column`);
    }
    this.width = header.length;
    this.startAt = index.get('start_ts')!;
    this.endAt = index.get('end_ts')!;
    this.valueAt = def.columns.map((c) => index.get(c.name) ?? -1);
    this.names = def.columns.map((c) => `column ${c.name}`);
  }

  /**
   * Row `fields` of the file's line `line` (1 is the header), named `place` for the
   * errors of later checks (overlaps). The checks name only the column; the line is
   * added when one fails, so a good row costs no message text.
   */
  read(fields: readonly string[], line: number, place: string): PlacedRow {
    if (fields.length !== this.width) {
      throw invalid(`line ${line}: ${fields.length} fields, the header names ${this.width}`);
    }
    try {
      return this.check(fields, place);
    } catch (err) {
      if (!isTessError(err)) throw err;
      throw invalid(`line ${line}, ${err.message}`);
    }
  }

  private check(fields: readonly string[], place: string): PlacedRow {
    const start = parseInstant(fields[this.startAt]!, 'column start_ts');
    const end = parseInstant(fields[this.endAt]!, 'column end_ts');
    checkSpan(start, end, 'column end_ts');
    const columns = this.def.columns;
    const values: (number | null)[] = new Array(columns.length);
    let given = 0;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      const at = this.valueAt[i]!;
      const text = at === -1 ? '' : fields[at]!;
      if (text === '') {
        if (!c.optional) throw invalid(`column ${c.name}: a value is required`);
        values[i] = null;
        continue;
      }
      values[i] = number(text, this.names[i]!, c.min, c.max);
      given++;
    }
    if (this.def.anyValue && given === 0) {
      throw invalid(`column ${columns.map((c) => c.name).join('/')}: at least one of them is required`);
    }
    return { start, end, values, place };
  }
}

/** A row of a JSON body (`rows[i]`): an object of the same columns, numbers as numbers or text. */
export function readJsonRow(def: DatasetTypeDef, value: unknown, i: number): SeriesRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(`rows[${i}]: an object is required`);
  const object = value as Record<string, unknown>;
  const known = new Set(['start_ts', 'end_ts', ...def.columns.map((c) => c.name)]);
  for (const key of Object.keys(object)) {
    if (!known.has(key)) throw invalid(`rows[${i}].${key.slice(0, FIELD_MAX)}: not a column of ${def.type}`);
  }
  return row(
    def,
    (column) => `rows[${i}].${column}`,
    (column) => object[column],
  );
}
