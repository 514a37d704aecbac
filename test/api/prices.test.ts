import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../http/server.js';
import type { HandledMessage } from '../../http/price-cache.js';
import { readSettings } from '../../cli/settings.js';
import type { PriceRow } from '../../storage/index.js';
import { type PriceMessage, priceChannel, publishPrice } from '../../workers/price-channel.js';
import { waitFor } from '../helpers/market.js';
import { call, databaseClockPast, useApi } from './helpers.js';

// Intervals two days back (prices are written after their interval starts), on an hour.
const T0 = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
let clock = T0;
/** Every price message the server's cache has handled, in the order they came. */
const handled: HandledMessage[] = [];
const waiters = new Set<() => void>();
const api = useApi({
  subscriber: true,
  now: () => new Date(clock),
  onPriceMessage: (h) => {
    handled.push(h);
    for (const wake of waiters) wake();
  },
});
let resourceId: number;
let systemId: number;
const prices: PriceRow[] = [];

beforeAll(async () => {
  systemId = await api.db.systemId();
  resourceId = (await api.db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  // One hour of 5-minute intervals: prices 10, 11, ..., 21 and quantities 1, 2, ..., 12.
  for (let k = 0; k < 12; k++) {
    prices.push(
      await api.db.price.add({
        resource_id: resourceId,
        interval_start: new Date(T0 + k * 300_000),
        interval_seconds: 300,
        price: 10 + k,
        quantity: k + 1,
        type: 'PRICE',
      }),
    );
    // Apart by more than 1 ms: an as-of read 1 ms after a row's created finds it, not the next.
    await databaseClockPast(api.db, new Date(prices[k]!.created.getTime() + 1));
  }
});

/**
 * The cache's report of the message of this system and price id: once it comes, every
 * message published before it has been handled as well.
 */
function handledOf(system: string, priceId: number): Promise<HandledMessage> {
  const find = () =>
    handled.find((h) => {
      const m = h.message as Partial<PriceMessage>;
      return m.system === system && m.price_id === priceId;
    });
  return new Promise((resolve) => {
    const wake = () => {
      const found = find();
      if (!found) return;
      waiters.delete(wake);
      resolve(found);
    };
    waiters.add(wake);
    wake();
  });
}

const addPrice = (start: number, price: number) =>
  api.db.price.add({
    resource_id: resourceId,
    interval_start: new Date(start),
    interval_seconds: 300,
    price,
    quantity: 1,
    type: 'PRICE',
  });
const iso = (row: PriceRow) => row.interval_start.toISOString();

/** GET /prices/current once it serves `priceId` (a message is applied asynchronously). */
const until = (priceId: number) =>
  waitFor(`price ${priceId} served`, async () => {
    const r = await current();
    return r.data.price_id === priceId && r;
  });

const current = (query = 'resource=capacity', headers: Record<string, string> = {}) =>
  call(api.app, 'GET', `/api/v1/prices/current?${query}`, { headers });

describe('GET /prices/current', () => {
  it('serves the latest cleared interval without a token, with Cache-Control and ETag (304)', async () => {
    clock = T0 + 12 * 300_000 + 10_000; // 10 s after the last interval cleared
    const r = await current();
    expect(r.statusCode).toBe(200);
    expect(r.data).toMatchObject({
      system: api.system,
      resource: 'capacity',
      price_id: prices[11]!.price_id,
      interval_start: new Date(T0 + 11 * 300_000).toISOString(),
      price: 21,
      quantity: 12,
      type: 'PRICE',
      marginal_quantity: 0,
      marginal_frac: 0,
      next_boundary: new Date(T0 + 13 * 300_000).toISOString(),
    });
    expect(r.headers['cache-control']).toBe('max-age=290');
    const etag = r.headers['etag'] as string;
    expect(etag).toBe(`"${prices[11]!.price_id}"`);
    const again = await current('resource=capacity', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await current('resource=capacity', { 'if-none-match': '"0"' })).statusCode).toBe(200);
    const named = await current(`resource=capacity&system=${api.system}`);
    expect(named.data.price_id).toBe(prices[11]!.price_id);
  });

  it('is refreshed by the runtime message on Redis; messages of other deployments are ignored', async () => {
    const start = new Date(T0 + 12 * 300_000);
    const row = await api.db.price.add({
      resource_id: resourceId,
      interval_start: start,
      interval_seconds: 300,
      price: 55.5,
      quantity: 7,
      type: 'EXACT',
      marginal_quantity: 1,
      marginal_frac: 0.5,
    });
    const message: PriceMessage = {
      system_id: systemId,
      system: api.system,
      resource_id: resourceId,
      resource: 'capacity',
      price_id: row.price_id,
      interval_start: start.toISOString(),
      interval_seconds: 300,
      price: 55.5,
      quantity: 7,
      type: 'EXACT',
      marginal_quantity: 1,
      marginal_frac: 0.5,
      buyer_total: 0,
      seller_total: 0,
      next_boundary: new Date(T0 + 14 * 300_000).toISOString(),
    };
    clock = T0 + 13 * 300_000 + 1_000;
    // The same ids under another system's name: another deployment sharing Redis.
    await publishPrice(api.redis, { ...message, system: 'someone-else', price: -1, price_id: 1_111 });
    await publishPrice(api.redis, message);
    const r = await until(message.price_id);
    expect(r.data).toMatchObject({ price_id: row.price_id, price: 55.5, type: 'EXACT', marginal_frac: 0.5 });
    expect(r.headers['cache-control']).toBe('max-age=299');
    expect(r.headers['etag']).toBe(`"${row.price_id}"`);
  });

  it('serves what the database holds, not what a message says; messages of future intervals are ignored', async () => {
    const held = (await current()).data as PriceMessage;
    const start = new Date(T0 + 13 * 300_000);
    const message: PriceMessage = {
      ...held,
      price_id: 987_654,
      interval_start: start.toISOString(),
      price: 1e9,
      next_boundary: '2999-01-01T00:00:00.000Z',
    };
    clock = T0 + 14 * 300_000 + 1_000;
    // No such price: a forged or stray message is not served.
    await publishPrice(api.redis, message);
    expect(await handledOf(api.system, message.price_id)).toMatchObject({
      taken: false,
      because: 'price not stored',
    });
    expect((await current()).data.price_id).toBe(held.price_id);
    // A price of an interval not yet begun, even stored, is not taken from a message.
    const ahead = await addPrice(T0 + 30 * 300_000, 77);
    await publishPrice(api.redis, { ...message, price_id: ahead.price_id, interval_start: iso(ahead) });
    expect(await handledOf(api.system, ahead.price_id)).toMatchObject({
      taken: false,
      because: 'interval not begun',
    });
    expect((await current()).data.price_id).toBe(held.price_id);
    // A committed price: served with the database's figures, its next boundary clamped.
    const row = await addPrice(start.getTime(), 56);
    await publishPrice(api.redis, { ...message, price_id: row.price_id });
    const r = await until(row.price_id);
    expect(r.data).toMatchObject({ price: 56, next_boundary: new Date(T0 + 15 * 300_000).toISOString() });
  });

  it('hears only the channels of its own QUEUE_PREFIX', async () => {
    expect(priceChannel(1, 'blue')).toBe('blue:prices:1');
    expect(priceChannel(1)).toBe('tess:prices:1');
    const held = (await current()).data as PriceMessage;
    const row = await addPrice(T0 + 14 * 300_000, 57);
    // Before the held price's next boundary, so that only a message can bring the new one.
    clock = T0 + 15 * 300_000 - 1_000;
    const message = { ...held, price_id: row.price_id, interval_start: iso(row) };
    await publishPrice(api.redis, message, 'another-deployment');
    // Then a message the cache hears and ignores: once it is handled, so would the first
    // be, had the cache heard it (one publisher, one subscriber: Redis keeps their order).
    await publishPrice(api.redis, { ...message, system: `${api.system}-marker` }, 'tess');
    await handledOf(`${api.system}-marker`, row.price_id);
    expect(handled.filter((h) => h.channel.startsWith('another-deployment:'))).toEqual([]);
    expect((await current()).data.price_id).toBe(held.price_id);
    await publishPrice(api.redis, message, 'tess');
    expect((await until(row.price_id)).data.price).toBe(57);
  });

  it('asof= reads the price in effect then from the database', async () => {
    // The rows were created moments ago: a server clock two days back would refuse their
    // times as later than now.
    const saved = clock;
    clock = Date.now();
    try {
      // created has microseconds; 1 ms later is still before the next price (more than 1 ms apart).
      const r = await current(
        `resource=capacity&asof=${new Date(prices[3]!.created.getTime() + 1).toISOString()}`,
      );
      expect(r.statusCode).toBe(200);
      expect(r.data.price_id).toBe(prices[3]!.price_id);
      const before = await current('resource=capacity&asof=2000-01-01T00:00:00Z');
      expect(before.statusCode).toBe(404);
    } finally {
      clock = saved;
    }
  });

  it('404 for an unknown resource or system; 400 without a resource', async () => {
    expect((await current('resource=water')).statusCode).toBe(404);
    expect((await current('resource=capacity&system=nowhere')).statusCode).toBe(404);
    const r = await current('');
    expect(r.statusCode).toBe(400);
    expect(r.data.error.message).toBe('query.resource is required');
  });
});

describe('GET /prices (history)', () => {
  const history = (query: string) => call(api.app, 'GET', `/api/v1/prices?resource=capacity&${query}`);
  const iso = (ms: number) => new Date(ms).toISOString();

  it('raw prices of a range, oldest first', async () => {
    const r = await history(`from=${iso(T0 + 300_000)}&to=${iso(T0 + 1_200_000)}`);
    expect(r.statusCode).toBe(200);
    expect(r.data.items.map((p: PriceRow) => p.price)).toEqual([11, 12, 13]);
  });

  it('buckets: open, high, low, close, volume-weighted price and volume', async () => {
    const r = await history(`from=${iso(T0)}&to=${iso(T0 + 3_600_000)}&bucket=30m`);
    expect(r.statusCode).toBe(200);
    expect(r.data.bucket_seconds).toBe(1800);
    expect(r.data.items).toHaveLength(2);
    const [first, second] = r.data.items;
    // First half hour: prices 10..15 with quantities 1..6.
    const vwap = [10, 11, 12, 13, 14, 15].reduce((s, p, i) => s + p * (i + 1), 0) / 21;
    expect(first).toMatchObject({ open: 10, close: 15, high: 15, low: 10, volume: 21, intervals: 6 });
    expect(first.vwap).toBeCloseTo(vwap, 9);
    expect(new Date(first.bucket_start).getTime()).toBe(T0);
    expect(second).toMatchObject({ open: 16, close: 21, high: 21, low: 16, intervals: 6 });
  });

  it('validates bucket, from and to', async () => {
    const cases: [string, string][] = [
      [`from=${iso(T0)}&to=${iso(T0)}`, 'from must be earlier than to'],
      [`from=${iso(T0 + 1)}&to=${iso(T0)}`, 'from must be earlier than to'],
      [`from=${iso(T0)}&to=${iso(T0 + 1000)}&bucket=5x`, 'bucket must be'],
      [`from=${iso(T0)}&to=${iso(T0 + 1000)}&bucket=0m`, 'bucket must be'],
      [`from=today&to=${iso(T0)}`, 'from must be an ISO-8601 time'],
      [`to=${iso(T0)}`, 'query.from is required with resource'],
    ];
    for (const [query, message] of cases) {
      const r = await history(query);
      expect(r.statusCode, query).toBe(400);
      expect(r.data.error.message.startsWith(message), r.data.error.message).toBe(true);
    }
    const noResource = await call(api.app, 'GET', `/api/v1/prices?bucket=1h`);
    expect(noResource.statusCode).toBe(400);
  });
});

describe('rate limit of public price reads', () => {
  let limited: FastifyInstance;
  beforeAll(async () => {
    limited = await buildServer({
      settings: readSettings({ DATABASE_URL: api.test.url, LOG_LEVEL: 'silent' }),
      db: api.db,
      redis: api.redis,
      now: () => new Date(clock),
      priceRateLimit: { max: 3, timeWindowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('answers 429 in the error shape once the limit is reached', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await call(limited, 'GET', '/api/v1/prices/current?resource=capacity');
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.data.error.code).toBe('RATE_LIMITED');
    expect(last!.headers['retry-after']).toBeDefined();
  });
});
