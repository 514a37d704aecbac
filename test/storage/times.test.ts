import { describe, expect, it } from 'vitest';
import { parseTime } from '../../engine/time.js';
import { createMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

// Strings JavaScript's Date reads but that are not ISO-8601 times.
const loose = ['2026-01-01 10:00 PM', '2026-01-01 (Thursday)', '2026-1-1'];

describe('ISO-8601 times, one rule', () => {
  it('reads a date, a time of day and a zone', () => {
    expect(parseTime('2026-01-01', 'at')).toEqual(new Date(2026, 0, 1));
    expect(parseTime('2026-01-01T10:00Z', 'at').toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(parseTime('2026-01-01 10:00:00.123456+01', 'at').toISOString()).toBe('2026-01-01T09:00:00.123Z');
    for (const text of loose) {
      expect(() => parseTime(text, 'at')).toThrow(`at must be an ISO-8601 time, not ${JSON.stringify(text)}`);
    }
  });

  it('storage refuses what the API refuses', async () => {
    const m = await createMarket(t.db, 'times', 60, 1);
    for (const text of loose) {
      const order = {
        device_id: m.devices[0]!,
        resource_id: m.resourceId,
        interval_start: text,
        side: 'buy' as const,
        quantity: 1,
        price: 10,
      };
      await expect(t.db.order.add(order as never)).rejects.toMatchObject({
        code: 'INVALID',
        message: `order.interval_start must be an ISO-8601 time, not ${JSON.stringify(text)}`,
      });
      expect(() => t.db.setClock(text)).toThrow(
        `clock must be an ISO-8601 time, not ${JSON.stringify(text)}`,
      );
    }
    expect(await t.db.order.find({ resource_id: m.resourceId })).toBeNull();
  });
});
