import { invalid } from '../errors.js';

/**
 * A timestamp of a dataset's row: ISO 8601 with a zone (`2026-01-01T00:00:00Z`,
 * `2026-01-01 00:05:00+01:00`, `…+0100`, `…+01`). A time without a zone is refused: the
 * same file read in two places would mean two instants.
 */
const INSTANT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
/** Years a dataset may cover: ms since the epoch within what PostgreSQL and Date agree on. */
const MIN = Date.UTC(1900, 0, 1);
const MAX = Date.UTC(2200, 0, 1);

/** The instant (ms) of `text`, or an INVALID error naming `where`. */
export function parseInstant(text: string, where: string): number {
  const m = INSTANT.exec(text.trim());
  if (!m) {
    throw invalid(
      `${where}: ${JSON.stringify(text.slice(0, 40))} is not a time with a zone (e.g. 2026-01-01T00:00:00Z)`,
    );
  }
  const [, day, time, zone] = m as unknown as [string, string, string, string];
  const offset =
    zone === 'Z' || zone === 'z'
      ? 'Z'
      : zone.length === 3
        ? `${zone}:00`
        : zone.includes(':')
          ? zone
          : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${day}T${time}${offset}`);
  // Date.parse rolls 2026-02-30 over to March: the fields must read back as written.
  if (!Number.isFinite(ms) || !sameDay(day, ms, offset))
    throw invalid(`${where}: ${JSON.stringify(text)} is not a calendar time`);
  if (ms < MIN || ms >= MAX) throw invalid(`${where}: ${text} is outside the years 1900–2199`);
  return ms;
}

/** Whether the calendar day written is the day of `ms` at the offset written. */
function sameDay(day: string, ms: number, offset: string): boolean {
  const minutes =
    offset === 'Z'
      ? 0
      : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return new Date(ms + minutes * 60_000).toISOString().slice(0, 10) === day;
}
