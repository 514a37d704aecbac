import fc from 'fast-check';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { listMarkets, type Market } from '../../storage/markets.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket, type TestMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());
const log = pino({ level: 'silent' });

async function marketOf(m: TestMarket): Promise<Market> {
  const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
  return market!;
}

/** Clears [from, from + seconds) now (orders placed now count as placed during it). */
const clear = async (market: Market, from: Date, seconds: number) =>
  clearMarketInterval({ db: t.db, pool, log }, market, from, new Date(from.getTime() + seconds * 1000));

describe('settlement in the database', () => {
  it('fills pay and receive; meter readings settle their deviation; a correction books the difference', async () => {
    const seconds = 3600; // Δt = 1 h keeps the arithmetic readable
    const m = await createMarket(t.db, 'settle', seconds, 3);
    const market = await marketOf(m);
    const from = new Date(Date.UTC(2101, 0, 1));
    const order = (device: number, side: 'buy' | 'sell', quantity: number, price: number) => ({
      device_id: m.devices[device]!,
      resource_id: m.resourceId,
      interval_start: from,
      side,
      quantity,
      price,
    });
    await t.db.order.addMany([order(0, 'buy', 5, 40), order(1, 'sell', 5, 10)]);
    const first = await clear(market, from, seconds);
    const price = first.price!;
    expect(price).toMatchObject({ quantity: 5, price: 25 });

    const money = async (device: number) => {
      const { rows } = await t.db.sql.query(
        'SELECT amount, balance, order_id, meter_id FROM transaction WHERE device_id = $1 ORDER BY created, transaction_id',
        [m.devices[device]],
      );
      return rows;
    };
    expect(await money(0)).toMatchObject([{ amount: -125, balance: -125 }]);
    expect(await money(1)).toMatchObject([{ amount: 125, balance: 125 }]);

    // Readings for that interval: device 0 used 0.1 more than it bought, device 1 produced
    // what it sold, device 2 (no orders) used 0.2.
    const reading = (device: number, quantity: number) => ({
      device_id: m.devices[device]!,
      resource_id: m.resourceId,
      interval_start: from,
      quantity,
    });
    await t.db.meter.addMany([reading(0, 5.1), reading(1, -5), reading(2, 0.2)]);
    const next = new Date(from.getTime() + seconds * 1000);
    await clear(market, next, seconds);
    expect((await money(0)).at(-1)).toMatchObject({ amount: -2.5, balance: -127.5 });
    expect((await money(1)).at(-1)).toMatchObject({ amount: 0, balance: 125 });
    expect(await money(2)).toMatchObject([{ amount: -5, balance: -5 }]);

    // Device 0's reading is corrected to 4.9: it used 0.1 less than it bought.
    await t.db.meter.set({ ...reading(0, 4.9) });
    await clear(market, new Date(next.getTime() + seconds * 1000), seconds);
    const corrected = await money(0);
    expect(corrected.at(-1)).toMatchObject({ amount: 5, balance: -122.5 });
    expect(corrected.filter((r) => r.meter_id !== null).reduce((a, r) => a + r.amount, 0)).toBeCloseTo(
      2.5,
      6,
    );
    // Settled once: another clearing books nothing more for these readings.
    const before = (await money(0)).length;
    await clear(market, new Date(next.getTime() + 2 * seconds * 1000), seconds);
    expect((await money(0)).length).toBe(before);
  });

  it('property: every interval written conserves energy and money exactly', async () => {
    const seconds = 300;
    const m = await createMarket(t.db, 'conserve', seconds, 6);
    const market = await marketOf(m);
    let slot = Date.UTC(2102, 0, 1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            device: fc.integer({ min: 0, max: 5 }),
            side: fc.constantFrom('buy' as const, 'sell' as const),
            quantity: fc.integer({ min: 1, max: 5_000_000 }).map((q) => q / 1e6),
            price: fc.integer({ min: -2000, max: 12_000 }).map((p) => p / 100),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (orders) => {
          const from = new Date(slot);
          slot += seconds * 1000;
          await t.db.order.addMany(
            orders.map((o) => ({
              device_id: m.devices[o.device]!,
              resource_id: m.resourceId,
              interval_start: from,
              side: o.side,
              quantity: o.quantity,
              price: o.price,
            })),
          );
          const { price } = await clear(market, from, seconds);
          const { rows } = await t.db.sql.query(
            `SELECT
               (SELECT coalesce(sum(amount), 0)::text FROM transaction WHERE price_id = $1) AS money,
               (SELECT coalesce(sum(round(cleared_quantity * 1e6)) FILTER (WHERE side = 'buy'), 0)::bigint FROM "order" WHERE price_id = $1) AS bought,
               (SELECT coalesce(sum(round(cleared_quantity * 1e6)) FILTER (WHERE side = 'sell'), 0)::bigint FROM "order" WHERE price_id = $1) AS sold,
               (SELECT count(*)::int FROM "order" WHERE price_id = $1 AND cleared_quantity > quantity) AS overfilled,
               (SELECT count(*)::int FROM "order" WHERE price_id = $1) AS versions`,
            [price!.price_id],
          );
          const r = rows[0];
          expect(Number(r.money)).toBe(0);
          expect(r.bought).toBe(r.sold);
          expect(r.bought).toBe(Math.round(price!.quantity * 1e6));
          expect(r.overfilled).toBe(0);
          expect(r.versions).toBe(orders.length);
        },
      ),
      { numRuns: 15 },
    );
  });
});
