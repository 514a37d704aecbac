import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, parseToken } from '../../storage/tokens.js';
import { buildServer } from '../../http/server.js';
import { readSettings } from '../../cli/settings.js';
import type { DeviceRow } from '../../storage/index.js';
import { connectRedis } from '../../workers/redis.js';
import { redisUrl } from '../helpers/server-url.js';
import { call, databaseClockPast, type People, seedPeople, useApi } from './helpers.js';

// Alice (`customer`) owns a device that moves to Bob (`other`); caches are on (a listener).
const api = useApi({ subscriber: true });
let p: People;
/** A second API process on the same database and Redis, with its own caches. */
let second: { app: FastifyInstance; redis: Redis; subscriber: Redis };

beforeAll(async () => {
  p = await seedPeople(api.db);
  const redis = await connectRedis(redisUrl());
  const subscriber = await connectRedis(redisUrl());
  const app = await buildServer({
    settings: readSettings({ DATABASE_URL: api.test.url, REDIS_URL: redisUrl(), LOG_LEVEL: 'silent' }),
    db: api.db,
    redis,
    subscriber,
  });
  await app.ready();
  second = { app, redis, subscriber };
});
afterAll(async () => {
  await second?.app.close();
  second?.subscriber.disconnect();
  second?.redis.disconnect();
});

const rows = async (sql: string, params: unknown[] = []) => (await api.db.sql.query(sql, params)).rows;
const admin = () => ({ token: p.tokens.admin });
const alice = () => ({ token: p.tokens.customer });
const bob = () => ({ token: p.tokens.other });

const aliceDevice = (): Promise<DeviceRow> =>
  api.db.device.add({ user_id: p.customer.user_id, name: `meter-${randomBytes(3).toString('hex')}` });
const deviceToken = async (device: DeviceRow) =>
  (await issueToken(api.db, { deviceId: device.device_id })).token;
const moveTo = (device: DeviceRow, userId: number) =>
  call(api.app, 'PUT', '/api/v1/devices', {
    ...admin(),
    body: { unique_id: device.unique_id, user_id: userId },
  });
const bid = (token: string, body: Record<string, unknown> = {}) =>
  call(api.app, 'POST', '/api/v1/orders', {
    token,
    body: { resource: 'capacity', side: 'buy', quantity: 1, price: 10, ...body },
  });
/** The unique_ids of the orders a caller lists for a device. */
async function listed(token: string, device: DeviceRow, query = ''): Promise<string[]> {
  const r = await call(api.app, 'GET', `/api/v1/orders?device_id=${device.device_id}${query}`, { token });
  expect(r.statusCode, r.body).toBe(200);
  return r.data.items.map((o: { unique_id: string }) => o.unique_id).sort();
}
/** The start of an interval that has begun (intervals of 300 s, the seed config). */
const pastInterval = (back: number) =>
  new Date((Math.floor(Date.now() / 300_000) - back) * 300_000).toISOString();

describe('a change of owner revokes the device tokens', () => {
  it('through the API: the old owner’s device token is refused at once in every API process', async () => {
    const device = await aliceDevice();
    const token = await deviceToken(device);
    // Both processes have the token's principal cached.
    expect((await bid(token)).statusCode).toBe(202);
    expect((await call(second.app, 'GET', '/api/v1/orders', { token })).statusCode).toBe(200);

    const moved = await moveTo(device, p.other.user_id);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.data.user_id).toBe(p.other.user_id);

    const here = await bid(token);
    expect(here.statusCode).toBe(401);
    expect(here.data.error.message).toBe('the bearer token has been revoked');
    const there = await call(second.app, 'POST', '/api/v1/orders', {
      token,
      body: { resource: 'capacity', side: 'buy', quantity: 1, price: 10 },
    });
    expect(there.statusCode).toBe(401);
    // Immutable: the revocation is a new version of the token.
    const versions = await rows(
      'SELECT is_valid FROM token WHERE unique_id = $1 ORDER BY created, token_id',
      [parseToken(token)!.uniqueId],
    );
    expect(versions.map((v) => v['is_valid'])).toEqual([true, false]);
    // Tokens of other devices and of users are untouched.
    expect((await bid(p.tokens.device)).statusCode).toBe(202);
    expect((await call(api.app, 'GET', '/api/v1/devices', bob())).statusCode).toBe(200);
  });

  it('a change that keeps the owner (a rename) keeps the tokens', async () => {
    const device = await aliceDevice();
    const token = await deviceToken(device);
    const renamed = await call(api.app, 'PUT', '/api/v1/devices', {
      ...admin(),
      body: { unique_id: device.unique_id, name: 'renamed' },
    });
    expect(renamed.statusCode).toBe(200);
    expect((await bid(token)).statusCode).toBe(202);
  });

  it('in storage: db.device.set revokes in the transaction of the change, and not when it rolls back', async () => {
    const device = await aliceDevice();
    const token = await deviceToken(device);
    const uniqueId = parseToken(token)!.uniqueId;
    const valid = async () => {
      const row = await api.db.token.get((await api.db.token.find({ unique_id: uniqueId }))!);
      return row!.is_valid;
    };
    await expect(
      api.db.withTransaction(async (tx) => {
        await tx.device.set({ unique_id: device.unique_id, user_id: p.other.user_id });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await valid()).toBe(true);
    expect((await bid(token)).statusCode).toBe(202);

    await api.db.device.set({ unique_id: device.unique_id, user_id: p.other.user_id });
    expect(await valid()).toBe(false);
  });
});

describe('reads of a device’s history follow its ownership over time', () => {
  it('orders: the new owner reads only his, the previous owner keeps hers', async () => {
    const device = await aliceDevice();
    const before = await bid(p.tokens.customer, { device_id: device.device_id });
    expect(before.statusCode, before.body).toBe(202);
    const hers = before.data.unique_id as string;
    const hersId = before.data.order_id as number;
    // A clock between her order and the move: a millisecond on (a Date has no microseconds,
    // so now may read before the order's own time), with the database's clock past it.
    const movedAt = new Date(Date.now() + 1);
    await databaseClockPast(api.db, movedAt);
    expect((await moveTo(device, p.other.user_id)).statusCode).toBe(200);

    // Bob: nothing of Alice's, by list, by id, by key; nor can he change it.
    expect(await listed(p.tokens.other, device)).toEqual([]);
    expect((await call(api.app, 'GET', `/api/v1/orders/${hersId}`, bob())).statusCode).toBe(403);
    const byKey = await call(
      api.app,
      'GET',
      `/api/v1/orders?device_id=${device.device_id}&unique_id=${hers}`,
      bob(),
    );
    expect(byKey.statusCode).toBe(403);
    expect((await call(api.app, 'DELETE', `/api/v1/orders/${hers}`, bob())).statusCode).toBe(403);
    const his = await bid(p.tokens.other, { device_id: device.device_id });
    expect(his.statusCode, his.body).toBe(202);
    expect(await listed(p.tokens.other, device)).toEqual([his.data.unique_id]);

    // Alice: hers still, Bob's never; she may no longer change hers (the device is not hers).
    expect(await listed(p.tokens.customer, device)).toEqual([hers]);
    expect((await call(api.app, 'GET', `/api/v1/orders/${hersId}`, alice())).statusCode).toBe(200);
    expect((await call(api.app, 'GET', `/api/v1/orders/${his.data.order_id}`, alice())).statusCode).toBe(403);
    expect((await call(api.app, 'DELETE', `/api/v1/orders/${hers}`, alice())).statusCode).toBe(403);
    expect((await bid(p.tokens.customer, { device_id: device.device_id })).statusCode).toBe(403);

    // As of before the move, Bob owned nothing and Alice owned hers.
    const asof = `&asof=${encodeURIComponent(movedAt.toISOString())}`;
    const bobThen = await call(api.app, 'GET', `/api/v1/orders?device_id=${device.device_id}${asof}`, bob());
    expect(bobThen.statusCode).toBe(403);
    expect(await listed(p.tokens.customer, device, asof)).toEqual([hers]);

    // Back to Alice: her spans are two, Bob's order stays his.
    expect((await moveTo(device, p.customer.user_id)).statusCode).toBe(200);
    const again = await bid(p.tokens.customer, { device_id: device.device_id });
    expect(again.statusCode).toBe(202);
    expect(await listed(p.tokens.customer, device)).toEqual([hers, again.data.unique_id].sort());
    expect(await listed(p.tokens.other, device)).toEqual([his.data.unique_id]);
  });

  it('an order placed before the move stays its placer’s when a later version is written after', async () => {
    const device = await aliceDevice();
    const placed = await bid(p.tokens.customer, { device_id: device.device_id });
    expect(placed.statusCode).toBe(202);
    expect((await moveTo(device, p.other.user_id)).statusCode).toBe(200);
    // A version written after the move (as the runtime writes CLEARED ones) stays in Alice's entry.
    await api.db.order.set({ unique_id: placed.data.unique_id, price: 11 });
    expect(await listed(p.tokens.customer, device)).toEqual([placed.data.unique_id]);
    expect(await listed(p.tokens.other, device)).toEqual([]);
  });

  it('meter readings: a device token issued to the new owner reads none of the previous owner’s', async () => {
    const device = await aliceDevice();
    const old = await deviceToken(device);
    const reading = (token: string, back: number) =>
      call(api.app, 'POST', '/api/v1/meters', {
        token,
        body: { resource: 'capacity', interval_start: pastInterval(back), quantity: 2 },
      });
    const hers = await reading(old, 2);
    expect(hers.statusCode, hers.body).toBe(201);
    expect((await moveTo(device, p.other.user_id)).statusCode).toBe(200);
    const token = await deviceToken(device);
    const his = await reading(token, 1);
    expect(his.statusCode, his.body).toBe(201);
    const list = await call(api.app, 'GET', '/api/v1/meters', { token });
    expect(list.data.items.map((m: { meter_id: number }) => m.meter_id)).toEqual([his.data.meter_id]);
    expect((await call(api.app, 'GET', `/api/v1/meters/${hers.data.meter_id}`, { token })).statusCode).toBe(
      403,
    );
    const byKey = await call(
      api.app,
      'GET',
      `/api/v1/meters?resource_id=${hers.data.resource_id}&interval_start=${encodeURIComponent(pastInterval(2))}`,
      { token },
    );
    expect(byKey.statusCode).toBe(403);
  });

  it('transactions: each owner reads what was charged to them on the device', async () => {
    const device = await aliceDevice();
    const book = (user_id: number) =>
      api.db.transaction.add({
        user_id,
        device_id: device.device_id,
        order_id: 1,
        price_id: 1,
        amount: 1.25,
      });
    const hers = await book(p.customer.user_id);
    expect((await moveTo(device, p.other.user_id)).statusCode).toBe(200);
    const his = await book(p.other.user_id);
    const ids = async (token: string) => {
      const r = await call(api.app, 'GET', `/api/v1/transactions?device_id=${device.device_id}`, { token });
      return r.data.items.map((t: { transaction_id: number }) => t.transaction_id);
    };
    expect(await ids(p.tokens.customer)).toEqual([hers.transaction_id]);
    expect(await ids(p.tokens.other)).toEqual([his.transaction_id]);
    expect(
      (await call(api.app, 'GET', `/api/v1/transactions/${hers.transaction_id}`, bob())).statusCode,
    ).toBe(403);
  });
});

describe('device unique_ids confirm nothing', () => {
  it('a customer may not choose a unique_id: a taken one and a free one get the same answer', async () => {
    const post = (unique_id: string) =>
      call(api.app, 'POST', '/api/v1/devices', {
        ...alice(),
        body: { user_id: p.customer.user_id, name: 'plug', unique_id },
      });
    const taken = await post(p.otherDevice.unique_id);
    const free = await post(`free-${randomBytes(4).toString('hex')}`);
    expect(taken.statusCode).toBe(403);
    expect(taken.body).toBe(free.body);
    expect(taken.data.error.message).toBe(
      'body.unique_id: a device of yours is named by TESS; leave unique_id out',
    );
    const generated = await call(api.app, 'POST', '/api/v1/devices', {
      ...alice(),
      body: { user_id: p.customer.user_id, name: 'plug' },
    });
    expect(generated.statusCode).toBe(201);
    // An administrator names devices as before, and a taken name is 409.
    const again = await call(api.app, 'POST', '/api/v1/devices', {
      ...admin(),
      body: { user_id: p.customer.user_id, name: 'plug', unique_id: p.otherDevice.unique_id },
    });
    expect(again.statusCode).toBe(409);
  });

  it('a customer changing another’s device is told it is not found, as for one that does not exist', async () => {
    const put = (unique_id: string) =>
      call(api.app, 'PUT', '/api/v1/devices', { ...alice(), body: { unique_id, name: 'mine now' } });
    const theirs = await put(p.otherDevice.unique_id);
    const missing = 'no-such-device';
    const none = await put(missing);
    expect(theirs.statusCode).toBe(404);
    expect(none.statusCode).toBe(404);
    expect(theirs.body.replace(p.otherDevice.unique_id, missing)).toBe(none.body);
    const found = await call(api.app, 'GET', `/api/v1/devices?unique_id=${p.otherDevice.unique_id}`, alice());
    expect(found.statusCode).toBe(404);
  });

  it('an empty unique_id is refused wherever one enters', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/devices', { user_id: p.customer.user_id, name: 'plug', unique_id: '' }],
      ['PUT', '/api/v1/devices', { unique_id: '', name: 'plug' }],
      ['PUT', '/api/v1/tokens', { unique_id: '', is_valid: false }],
      ['PUT', '/api/v1/orders', { unique_id: '', price: 1 }],
      [
        'POST',
        '/api/v1/orders',
        {
          device_id: p.device.device_id,
          resource: 'capacity',
          side: 'buy',
          quantity: 1,
          price: 1,
          unique_id: '',
        },
      ],
    ];
    for (const [method, url, body] of cases) {
      const r = await call(api.app, method as 'POST', url, { ...admin(), body });
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(400);
      expect(r.data.error.message).toMatch(/unique_id must not be empty/);
    }
    const stored = await rows("SELECT count(*)::int AS n FROM device WHERE unique_id = ''");
    expect(stored[0]!['n']).toBe(0);
    await expect(
      api.db.device.add({ user_id: p.customer.user_id, name: 'x', unique_id: '' }),
    ).rejects.toThrow('device.unique_id must not be empty');
    await expect(
      api.db.token.add({ user_id: p.customer.user_id, unique_id: '', secret_hash: 'x' }),
    ).rejects.toThrow('token.unique_id must not be empty');
  });
});
