import { DateTime } from 'luxon';
import { invalid } from '../../errors.js';
import { checkTimeZone } from '../tariff.js';

/** How replies show a time: YYYY-MM-DD HH:mm, in the system's time zone. */
export const LOCAL_TIME_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$/;

/** The instant `ms` as replies show it in `zone` (the clock is the caller's: the time is passed in). */
export function formatLocalTime(ms: number, zone: string): string {
  checkTimeZone(zone, 'zone');
  const d = DateTime.fromMillis(ms, { zone });
  if (!d.isValid || d.year < 1 || d.year > 9999)
    throw invalid(`time ${ms} cannot be shown as YYYY-MM-DD HH:mm`);
  return d.toFormat('yyyy-MM-dd HH:mm');
}
