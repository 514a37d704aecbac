import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../http/directory.js';
import { PriceCache } from '../../http/price-cache.js';
import type { PriceMessage } from '../../workers/price-channel.js';
import { connectRedis } from '../../workers/redis.js';
import { useDatabase } from '../helpers/open.js';
import { redisUrl } from '../helpers/server-url.js';

const system = `price_messages_${process.pid}`;
const t = useDatabase({ system });
let redis: Awaited<ReturnType<typeof connectRedis>>;
let message: PriceMessage;
const cache = () => new PriceCache(t.db, new Directory(t.db, redis, undefined), () => new Date());

beforeAll(async () => {
  redis = await connectRedis(redisUrl());
  const systemId = await t.db.systemId();
  const resourceId = (await t.db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  const start = new Date(Math.floor(Date.now() / 300_000) * 300_000 - 600_000);
  const row = await t.db.price.add({
    resource_id: resourceId,
    interval_start: start,
    interval_seconds: 300,
    price: 42,
    quantity: 3,
    type: 'PRICE',
  });
  message = {
    system_id: systemId,
    system,
    resource_id: resourceId,
    resource: 'capacity',
    price_id: row.price_id,
    interval_start: start.toISOString(),
    interval_seconds: 300,
    price: 42,
    quantity: 3,
    type: 'PRICE',
    marginal_quantity: 0,
    marginal_frac: 0,
    buyer_total: 0,
    seller_total: 0,
    next_boundary: new Date(start.getTime() + 600_000).toISOString(),
  };
});
afterAll(() => redis?.disconnect());

describe('price messages from Redis', () => {
  it('are applied when they have the shape of a PriceMessage (other properties allowed)', async () => {
    expect(await cache().onMessage(message)).toBe(true);
    expect(await cache().onMessage({ ...message, cleared_at: message.next_boundary })).toBe(true);
  });

  it('are ignored when any field is missing or of the wrong type, naming a committed price or not', async () => {
    const { quantity: _, ...noQuantity } = message;
    const wrong: unknown[] = [
      null,
      'text',
      [message],
      noQuantity,
      { ...message, interval_seconds: '300' },
      { ...message, type: 7 },
      { ...message, price_id: 1.5 },
      { ...message, price_id: 0 },
      { ...message, system_id: String(message.system_id) },
      { ...message, resource: null },
      { ...message, interval_start: 'yesterday' },
      { ...message, next_boundary: 17 },
    ];
    for (const m of wrong) expect(await cache().onMessage(m), JSON.stringify(m)).toBe(false);
  });
});
