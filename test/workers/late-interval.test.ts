import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import { listMarkets } from '../../storage/markets.js';
import { refreshAllPriceAggregates } from '../../storage/price-aggregates.js';
import { priceBuckets } from '../../storage/queries/prices.js';
import { readStorageMode } from '../../storage/storage-mode.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());

describe('an interval cleared late (after downtime)', () => {
  it('is in the price history at once, in every bucket width', async () => {
    const m = await createMarket(t.db, 'late', 300, 2);
    const aggregates = (await readStorageMode(t.db.sql)).kind === 'timescaledb';
    // Two days back: below every aggregate's watermark once they have been refreshed.
    const from = new Date(intervalStart(Date.now() - 2 * 86_400_000, 300));
    const end = new Date(from.getTime() + 300_000);
    // Orders placed during that interval (as the database would hold them after downtime).
    await t.db.sql.query(
      `INSERT INTO "order" (device_id, resource_id, interval_start, side, quantity, price, created)
       VALUES ($1, $3, $4, 'buy', 2, 71, $5), ($2, $3, $4, 'sell', 2, 69, $5)`,
      [m.devices[0], m.devices[1], m.resourceId, from, new Date(from.getTime() + 10_000)],
    );
    // History up to the present, materialized: every watermark passes the late interval.
    await t.db.price.add({
      resource_id: m.resourceId,
      interval_start: new Date(intervalStart(Date.now() - 3_600_000, 300)),
      price: 50,
      quantity: 1,
      type: 'PRICE',
    });
    await refreshAllPriceAggregates(t.db.sql, new Date());
    const market = (await listMarkets(t.db.sql)).find((x) => x.resourceId === m.resourceId)!;
    const outcome = await clearMarketInterval(
      { db: t.db, pool, log: pino({ level: 'silent' }) },
      market,
      from,
      end,
    );
    expect(outcome.price?.quantity).toBe(2);
    const day = Math.floor(from.getTime() / 86_400_000) * 86_400_000;
    const range = {
      resourceId: m.resourceId,
      from: new Date(day),
      to: new Date(day + 86_400_000),
      asof: null,
    };
    for (const seconds of [300, 3_600, 86_400]) {
      const buckets = await priceBuckets(t.db.sql, range, seconds, aggregates);
      expect(buckets, `${seconds} s`).toEqual(await priceBuckets(t.db.sql, range, seconds, false));
      expect(buckets.map((b) => b.volume)).toEqual([2]);
    }
  });
});
