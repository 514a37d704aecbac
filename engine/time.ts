import { ErrorCode, TessError } from './errors.js';

/**
 * An ISO-8601 time as TESS reads one, from a request, the command line or a value given
 * to storage: a date, optionally a time of day (minutes, seconds, up to nine decimals),
 * optionally a zone (Z or ±hh[:mm]); with no zone it is the server's local time, as
 * JavaScript's Date reads it. Other strings Date would accept ("2026-01-01 10:00 PM",
 * "2026-1-1") are refused: one rule, wherever a time enters.
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;

/** Parses an ISO-8601 time; an INVALID error naming `what` otherwise. */
export function parseTime(value: string, what: string): Date {
  const d = new Date(value);
  if (!ISO_TIME.test(value) || Number.isNaN(d.getTime())) {
    throw new TessError(ErrorCode.INVALID, `${what} must be an ISO-8601 time, not ${JSON.stringify(value)}`);
  }
  return d;
}
