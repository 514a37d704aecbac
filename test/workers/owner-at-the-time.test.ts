import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import { listMarkets, type Market } from '../../storage/markets.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket } from '../helpers/market.js';
import { sleep, useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());

const HOUR = 3600;

/** Money booked per user for one device, fills and meter settlements apart. */
async function booked(device: number): Promise<Record<string, number>> {
  const { rows } = await t.db.sql.query(
    `SELECT user_id, (meter_id IS NOT NULL) AS metered, sum(amount)::float8 AS total FROM transaction
     WHERE device_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [device],
  );
  return Object.fromEntries(rows.map((r) => [`${r.user_id}:${r.metered ? 'meter' : 'fill'}`, r.total]));
}

describe('money goes to whoever owned the device at the time', () => {
  it('a device moved mid-interval: each owner is charged for the orders placed while it was theirs, the reading settles with the owner of its interval', async () => {
    // Device 0 belongs to user 0 (Alice) and moves to user 2 (Bob) during the interval.
    const m = await createMarket(t.db, 'moved', HOUR, 3);
    const [alice, , bob] = m.users as [number, number, number];
    const [device, seller] = m.devices as [number, number];
    const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
    // The interval open now: the orders and the move below happen during it.
    const from = intervalStart(Date.now(), HOUR);
    const end = new Date(from.getTime() + HOUR * 1000);
    const order = (side: 'buy' | 'sell', dev: number, quantity: number, price: number) => ({
      device_id: dev,
      resource_id: m.resourceId,
      interval_start: from,
      side,
      quantity,
      price,
    });
    await t.db.order.addMany([order('sell', seller, 10, 10), order('buy', device, 2, 40)]);
    await sleep(5);
    const unique = (await t.db.device.get(device))!.unique_id;
    await t.db.device.set({ unique_id: unique, user_id: bob });
    await sleep(5);
    await t.db.order.add(order('buy', device, 3, 40));
    // The interval clears at 10 (SELLER: the seller's price sets it), each buy filled whole.
    const out = await clearMarketInterval(
      { db: t.db, pool, log: pino({ level: 'silent' }) },
      market as Market,
      from,
      end,
    );
    expect(out.price).toMatchObject({ price: 10, quantity: 5 });
    expect(await booked(device)).toEqual({ [`${alice}:fill`]: -20, [`${bob}:fill`]: -30 });

    // A reading for the interval (device used 4 of the 5 bought), settled at the next
    // clearing: the interval ran while the move happened; it began under Alice.
    await t.db.meter.add({ device_id: device, resource_id: m.resourceId, interval_start: from, quantity: 4 });
    await clearMarketInterval(
      { db: t.db, pool, log: pino({ level: 'silent' }) },
      market as Market,
      end,
      new Date(end.getTime() + HOUR * 1000),
    );
    expect(await booked(device)).toEqual({
      [`${alice}:fill`]: -20,
      [`${alice}:meter`]: 10,
      [`${bob}:fill`]: -30,
    });
  });
});
