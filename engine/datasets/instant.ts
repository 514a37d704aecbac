import { invalid } from '../errors.js';

/**
 * A timestamp of a dataset's row: ISO 8601 with a zone (`2026-01-01T00:00:00Z`,
 * `2026-01-01 00:05:00.250+01:00`, `…+0100`, `…+01`), to the millisecond. A time
 * without a zone is refused: the same file read in two places would mean two instants.
 * Read field by field (a dataset import reads two a row, a million rows a file).
 */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;
/** Years a dataset may cover. */
const YEAR_MIN = 1900;
const YEAR_MAX = 2199;

/** Days in `month` (1–12) of `year`. */
const daysIn = (year: number, month: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;

/** A message's "where", built only when there is something to say. */
export type Where = string | (() => string);
export const whereText = (where: Where): string => (typeof where === 'string' ? where : where());

/** The instant (ms) of `text`, or an INVALID error naming `where`. */
export function parseInstant(raw: string, where: Where): number {
  const text = raw.charCodeAt(0) === 32 || raw.charCodeAt(raw.length - 1) === 32 ? raw.trim() : raw;
  const m = INSTANT.exec(text);
  if (!m) {
    throw invalid(
      `${whereText(where)}: ${JSON.stringify(raw.slice(0, 40))} is not a time with a zone, to the millisecond (e.g. 2026-01-01T00:00:00Z)`,
    );
  }
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = +m[4]!;
  const minute = +m[5]!;
  const second = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : +m[7].padEnd(3, '0');
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (+m[10]! * 60 + (m[11] === undefined ? 0 : +m[11]));
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysIn(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    Math.abs(offset) > 15 * 60 + 59 ||
    (m[11] !== undefined && +m[11] > 59)
  ) {
    throw invalid(`${whereText(where)}: ${JSON.stringify(text)} is not a calendar time`);
  }
  if (year < YEAR_MIN || year > YEAR_MAX)
    throw invalid(`${whereText(where)}: ${text} is outside the years ${YEAR_MIN}–${YEAR_MAX}`);
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
}
