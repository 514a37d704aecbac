import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  checkTimeZone,
  localDay,
  parseTimeOfDay,
  type Tariff,
  tariffSpans,
} from '../../../engine/gateway/index.js';

const tariff = (zone: string, day = '06:00', night = '18:00'): Tariff => ({
  dayMicro: 200,
  nightMicro: 100,
  dayStarts: parseTimeOfDay(day, 'day-starts'),
  nightStarts: parseTimeOfDay(night, 'night-starts'),
  zone,
});

describe('day/night tariff', () => {
  it('spans cover the period end to end, each at the tariff of its local time of day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1.5e12, max: 2e12 }),
        fc.integer({ min: 1, max: 3 * 86_400_000 }),
        fc.constantFrom('UTC', 'Africa/Kampala', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu'),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1439 }),
        (start, length, zone, d, n) => {
          fc.pre(d !== n);
          const t: Tariff = { dayMicro: 200, nightMicro: 100, dayStarts: d, nightStarts: n, zone };
          const spans = tariffSpans(start, start + length, t);
          expect(spans[0]!.start).toBe(start);
          expect(spans.at(-1)!.end).toBe(start + length);
          for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBe(spans[i - 1]!.end);
          for (const s of spans) {
            const local = DateTime.fromMillis(s.start, { zone });
            const minute = local.hour * 60 + local.minute;
            const isDay = d < n ? minute >= d && minute < n : minute >= d || minute < n;
            expect(s.priceMicro, `${local.toISO()}`).toBe(isDay ? 200 : 100);
          }
        },
      ),
    );
  });

  it('follows the local clock: Kampala is UTC+3, so day begins at 03:00 UTC', () => {
    const start = Date.parse('2026-06-01T00:00:00Z');
    const spans = tariffSpans(start, start + 86_400_000, tariff('Africa/Kampala'));
    expect(spans.map((s) => [new Date(s.start).toISOString(), s.priceMicro])).toEqual([
      ['2026-06-01T00:00:00.000Z', 100],
      ['2026-06-01T03:00:00.000Z', 200],
      ['2026-06-01T15:00:00.000Z', 100],
    ]);
  });

  it('a boundary in the hour daylight saving skips moves forward by the gap', () => {
    // Berlin, 2026-03-29: clocks go from 02:00 to 03:00 local (01:00 UTC).
    const start = Date.parse('2026-03-29T00:00:00Z');
    const spans = tariffSpans(start, start + 2 * 3_600_000, tariff('Europe/Berlin', '02:30', '18:00'));
    expect(spans.map((s) => [new Date(s.start).toISOString(), s.priceMicro])).toEqual([
      ['2026-03-29T00:00:00.000Z', 100],
      ['2026-03-29T01:30:00.000Z', 200],
    ]);
  });

  it.each(['6:00', '24:00', '06:60', 'noon', ''])('refuses the time of day %j', (text) => {
    expect(() => parseTimeOfDay(text, 'day-starts')).toThrow(/day-starts must be a time of day HH:MM/);
  });

  it('refuses an unknown time zone and equal boundaries', () => {
    expect(() => checkTimeZone('Mars/Olympus', 'time-zone')).toThrow(/time-zone must be an IANA time zone/);
    expect(() => tariffSpans(0, 1, tariff('UTC', '06:00', '06:00'))).toThrow(/must differ/);
  });

  it('a local day is 23 hours when the clocks go forward', () => {
    const day = localDay(Date.parse('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    expect(day.end - day.start).toBe(23 * 3_600_000);
    expect(new Date(day.start).toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });
});
