import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { viewOfRow } from '../../http/price-cache.js';
import { listMarkets } from '../../storage/markets.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import type { PriceMessage } from '../../workers/price-channel.js';
import { connectRedis } from '../../workers/redis.js';
import { createMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';
import { hearPrices, redisPrefix } from '../helpers/redis.js';
import { redisUrl } from '../helpers/server-url.js';

const t = useDatabase();
const pool = new ClearingPool(1);
const redis = redisPrefix();
const publisher = await connectRedis(redisUrl());
const listener = await connectRedis(redisUrl());
afterAll(async () => {
  await pool.close();
  publisher.disconnect();
  listener.disconnect();
  await redis.clean();
});

describe('the served price', () => {
  it("the runtime's message is the API's view of the price row, next_boundary included", async () => {
    // The interval cleared (120 s) is not the market's current `interval` (60 s), and no
    // schedule says when the next one ends: both sides take it to be as long as this one.
    const m = await createMarket(t.db, 'served', 60, 2);
    const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
    let hear: (message: PriceMessage) => void = () => {};
    const heard = new Promise<PriceMessage>((resolve) => {
      hear = resolve;
    });
    await hearPrices(listener, (message) => hear(message), redis.prefix);
    const from = new Date(Date.UTC(2104, 0, 1));
    const end = new Date(from.getTime() + 120_000);
    const deps = { db: t.db, pool, log: pino({ level: 'silent' }), redis: publisher, prefix: redis.prefix };
    const outcome = await clearMarketInterval(deps, market!, from, end);
    const message = await heard;

    const row = (await t.db.price.get(outcome.price!.price_id))!;
    const { cleared_at, ...view } = viewOfRow(row, 'served', m.systemId, 'capacity');
    expect(message).toEqual(view);
    expect(message.next_boundary).toBe(new Date(from.getTime() + 240_000).toISOString());
    expect(cleared_at).toBe(end.toISOString());
  });
});
