import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PriceMessage, priceChannel } from '../../workers/price-channel.js';
import { connectRedis } from '../../workers/redis.js';
import type { Runtime } from '../../workers/runtime.js';
import { createMarket, placeOrders, waitFor } from '../helpers/market.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl } from '../helpers/server-url.js';

const t = useDatabase();
const redis = redisPrefix();
let runtime: Runtime;
let listener: Awaited<ReturnType<typeof connectRedis>> | undefined;

beforeAll(async () => {});
afterAll(async () => {
  await runtime?.stop();
  listener?.disconnect();
  await redis.clean();
});

describe('runtime', () => {
  it('clears at consecutive boundaries, with fills and zero-sum money', async () => {
    const market = await createMarket(t.db, 'rt1', 1, 4);
    // The runtime's clock runs AHEAD ms ahead of the database's: the orders, for the
    // interval open on the runtime's clock, are written long before that interval ends on
    // the database's (which stamps them), however busy the machine is.
    const AHEAD = 3_000;
    const start = await placeOrders(
      t.db,
      market,
      1,
      [
        { device: 0, side: 'buy', quantity: 5, price: 40 },
        { device: 1, side: 'buy', quantity: 5, price: 30 },
        { device: 2, side: 'sell', quantity: 5, price: 15 },
        { device: 3, side: 'sell', quantity: 5, price: 45 },
      ],
      Date.now() + AHEAD,
    );
    // Prices are announced on the deployment's own channel (under its prefix).
    listener = await connectRedis(redisUrl());
    const heard: PriceMessage[] = [];
    listener.on('message', (_channel, text) => heard.push(JSON.parse(text) as PriceMessage));
    await listener.subscribe(priceChannel(market.systemId, redis.prefix));
    runtime = await startTestRuntime(t.db, redis.prefix, { now: () => Date.now() + AHEAD });
    const prices = await waitFor('three prices', async () => {
      const { rows } = await t.db.sql.query(
        'SELECT * FROM price WHERE resource_id = $1 AND interval_start >= $2 ORDER BY interval_start',
        [market.resourceId, start],
      );
      return rows.length >= 3 && rows;
    });
    for (let i = 1; i < prices.length; i++) {
      expect(prices[i].interval_start.getTime() - prices[i - 1].interval_start.getTime()).toBe(1000);
    }
    // 5 clears between the buy at 40 and the sell at 15; the midpoint 27.5 would accept the
    // rejected buy at 30, so the price is nudged just above it (GridLAB-D's rule).
    expect(prices[0]).toMatchObject({ interval_start: start, price: 30.0001, quantity: 5, type: 'PRICE' });
    const { rows: tx } = await t.db.sql.query(
      'SELECT sum(amount)::float8 AS s, count(*)::int AS n FROM transaction WHERE price_id = $1',
      [prices[0].price_id],
    );
    expect(tx[0]).toEqual({ s: 0, n: 2 });
    await waitFor('a price message on the prefixed channel', async () => heard.length > 0);
    expect(heard[0]).toMatchObject({ resource_id: market.resourceId });
  });
});
