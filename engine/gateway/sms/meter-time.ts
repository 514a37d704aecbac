import { DateTime } from 'luxon';
import { invalid } from '../../errors.js';
import { checkTimeZone } from '../tariff.js';
import { quote } from './sms-limits.js';

/**
 * A time as a meter's clock reads it: calendar fields and no zone. A meter keeps the
 * time it was set to (the system's local time, or UTC) and its messages do not say
 * which, so whoever reads one supplies the zone (meterTimeMillis). Years run 2000–2099
 * because the compressed log writes two digits of the year.
 */
export interface MeterTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export const METER_YEAR_MIN = 2000;
export const METER_YEAR_MAX = 2099;

/** Days in `month` (1–12) of `year`: day 0 of the next month is this month's last. */
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The frozen MeterTime of these fields, or null when they are no calendar time (30 February, hour 24). */
export function meterTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute = 0,
  second = 0,
): MeterTime | null {
  const whole = [year, month, day, hour, minute, second].every(Number.isInteger);
  if (!whole || year < METER_YEAR_MIN || year > METER_YEAR_MAX || month < 1 || month > 12) return null;
  if (day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23) return null;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  return Object.freeze({ year, month, day, hour, minute, second });
}

/** The shapes meters write times in: the hour of a log, and a time to the second. */
export const STAMPS = {
  hour: { digits: 10, pattern: 'YYYYMMDDHH' },
  second: { digits: 14, pattern: 'YYYYMMDDHHmmss' },
} as const;
export type Stamp = keyof typeof STAMPS;

/** The MeterTime of a stamp; an INVALID error naming `key` when it is not a calendar time of that shape. */
export function parseStamp(text: string, stamp: Stamp, key: string): MeterTime {
  const { digits, pattern } = STAMPS[stamp];
  const fail = () => invalid(`${key}: ${quote(text)} is not a calendar time ${pattern}`);
  if (text.length !== digits || !/^[0-9]+$/.test(text)) throw fail();
  const n = (at: number) => Number(text.slice(at, at + 2));
  const t = meterTime(
    Number(text.slice(0, 4)),
    n(4),
    n(6),
    n(8),
    digits > 10 ? n(10) : 0,
    digits > 10 ? n(12) : 0,
  );
  if (t === null) throw fail();
  return t;
}

const two = (n: number) => String(n).padStart(2, '0');

/** The stamp of a MeterTime; an INVALID error naming `key` when an hour stamp would drop minutes or seconds. */
export function writeStamp(t: MeterTime, stamp: Stamp, key: string): string {
  if (stamp === 'hour' && (t.minute !== 0 || t.second !== 0)) {
    throw invalid(`${key}: a log's time is a whole hour (got minute ${t.minute}, second ${t.second})`);
  }
  const date = `${String(t.year).padStart(4, '0')}${two(t.month)}${two(t.day)}${two(t.hour)}`;
  return stamp === 'hour' ? date : `${date}${two(t.minute)}${two(t.second)}`;
}

/**
 * The instant (ms) a meter's clock showed `t`, its clock being set to `zone`. A local
 * time that a daylight-saving jump skips moves forward by the gap, as in tariff.ts.
 */
export function meterTimeMillis(t: MeterTime, zone: string): number {
  checkTimeZone(zone, 'zone');
  const d = DateTime.fromObject({ ...t, millisecond: 0 }, { zone });
  if (!d.isValid) throw invalid(`${JSON.stringify(t)} is not a calendar time`);
  return d.toMillis();
}

/** What a clock set to `zone` shows at the instant `ms` (to the second), as a MeterTime. */
export function meterTimeAt(ms: number, zone: string): MeterTime {
  checkTimeZone(zone, 'zone');
  const d = DateTime.fromMillis(ms, { zone });
  const t = d.isValid ? meterTime(d.year, d.month, d.day, d.hour, d.minute, d.second) : null;
  if (t === null)
    throw invalid(`time ${ms} is outside the years ${METER_YEAR_MIN}–${METER_YEAR_MAX} a meter keeps`);
  return t;
}
