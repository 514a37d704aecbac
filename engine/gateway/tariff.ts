import { DateTime, IANAZone } from 'luxon';
import { ErrorCode, TessError } from '../errors.js';
import type { PriceSpan } from './consumption.js';

/**
 * The day/night tariff of a system without a market: `day-tariff` from `day-starts` and
 * `night-tariff` from `night-starts`, local times of day in the system's `time-zone`.
 * Tariffs are in the resource's price unit, like market prices, so one charging rule
 * (engine/gateway/consumption.ts) serves both. Local times follow the zone's daylight
 * saving: a boundary that falls in a skipped hour moves forward by the gap (02:30 on a
 * night that jumps from 02:00 to 03:00 takes effect at 03:30), as wall clocks and
 * Temporal's "compatible" rule read it.
 */
export interface Tariff {
  readonly dayMicro: number;
  readonly nightMicro: number;
  /** Minutes after local midnight. */
  readonly dayStarts: number;
  readonly nightStarts: number;
  readonly zone: string;
}

export const DEFAULT_DAY_STARTS = '06:00';
export const DEFAULT_NIGHT_STARTS = '18:00';
export const DEFAULT_TIME_ZONE = 'UTC';

/** Minutes after midnight of an "HH:MM" time of day (00:00–23:59), named `name` in errors. */
export function parseTimeOfDay(text: string, name: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!m) throw new TessError(ErrorCode.INVALID, `${name} must be a time of day HH:MM (got "${text}")`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Checks an IANA time zone name (e.g. Africa/Bamako), named `name` in errors. */
export function checkTimeZone(zone: string, name: string): string {
  if (!IANAZone.isValidZone(zone)) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be an IANA time zone such as Africa/Bamako (got "${zone}")`,
    );
  }
  return zone;
}

/** The instant (ms) of `minutes` after local midnight of the local date of `day`. */
function at(day: DateTime, minutes: number): number {
  return day
    .set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 })
    .toMillis();
}

/** The tariff spans covering [start, end) (ms), in order. */
export function tariffSpans(start: number, end: number, tariff: Tariff): PriceSpan[] {
  if (tariff.dayStarts === tariff.nightStarts) {
    throw new TessError(ErrorCode.INVALID, 'day-starts and night-starts must differ');
  }
  // Every boundary from the local day before `start` to the day after `end`, each with the
  // tariff that follows it; the one at or before `start` gives the tariff in force then.
  const boundaries: { at: number; priceMicro: number }[] = [];
  const last = DateTime.fromMillis(end, { zone: tariff.zone }).plus({ days: 1 }).startOf('day');
  for (
    let day = DateTime.fromMillis(start, { zone: tariff.zone }).minus({ days: 1 }).startOf('day');
    day <= last;
    day = day.plus({ days: 1 })
  ) {
    boundaries.push({ at: at(day, tariff.dayStarts), priceMicro: tariff.dayMicro });
    boundaries.push({ at: at(day, tariff.nightStarts), priceMicro: tariff.nightMicro });
  }
  boundaries.sort((a, b) => a.at - b.at);
  const spans: PriceSpan[] = [];
  for (let i = 0; i < boundaries.length - 1; i++) {
    const from = Math.max(boundaries[i]!.at, start);
    const to = Math.min(boundaries[i + 1]!.at, end);
    if (to > from) spans.push({ start: from, end: to, priceMicro: boundaries[i]!.priceMicro });
  }
  return spans;
}

/** The local day [midnight, next midnight) (ms) of the instant `t` in `zone`. */
export function localDay(t: number, zone: string): { readonly start: number; readonly end: number } {
  const day = DateTime.fromMillis(t, { zone }).startOf('day');
  return { start: day.toMillis(), end: day.plus({ days: 1 }).startOf('day').toMillis() };
}
