import { beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../storage/tokens.js';
import { intervalStart } from '../../engine/intervals.js';
import { call, type People, seedPeople, useApi } from './helpers.js';

// A fixed clock inside one interval: the device limits count per interval, so no test
// may straddle a boundary. It is the present, so that rows written now count as the
// interval's own when a tally is read from the database.
const clock = new Date(intervalStart(new Date(), 300).getTime() + 150_000);
const api = useApi({ subscriber: true, now: () => clock });
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

const order = (body: Record<string, unknown> = {}, token = p.tokens.device) =>
  call(api.app, 'POST', '/api/v1/orders', {
    token,
    body: { resource: 'capacity', side: 'buy', quantity: 1, price: 40, ...body },
  });

/** Sets a config value of the test's system through the API (so every cache hears of it). */
async function config(name: string, value: string | null): Promise<void> {
  const put = await call(api.app, 'PUT', '/api/v1/config', { token: p.tokens.admin, body: { name, value } });
  if (put.statusCode === 404) {
    const post = await call(api.app, 'POST', '/api/v1/config', {
      token: p.tokens.admin,
      body: { name, value },
    });
    expect(post.statusCode).toBe(201);
  } else expect(put.statusCode).toBe(200);
}

const stored = async (deviceId: number) =>
  (await api.db.sql.query('SELECT count(*)::int AS n FROM "order" WHERE device_id = $1', [deviceId])).rows[0]
    .n as number;

describe('order limits of a market (config)', () => {
  it('refuses an order above order-quantity-max or order-price-max, per resource over the plain name', async () => {
    await config('order-quantity-max', '5');
    await config('capacity:order-quantity-max', '10');
    await config('order-price-max', '100');
    try {
      const before = await stored(p.device.device_id);
      const big = await order({ quantity: 10.5 });
      expect(big.statusCode).toBe(400);
      expect(big.data.error).toEqual({
        code: 'INVALID',
        message: 'body.quantity must be at most 10 (order-quantity-max of this market), not 10.5',
      });
      const dear = await order({ price: -100.01 });
      expect(dear.statusCode).toBe(400);
      expect(dear.data.error.message).toBe(
        'body.price must be from -100 to 100 (order-price-max of this market), not -100.01',
      );
      expect(await stored(p.device.device_id)).toBe(before);
      const ok = await order({ quantity: 10, price: -100 });
      expect(ok.statusCode).toBe(202);
      // A change is held to the same bounds.
      const put = await call(api.app, 'PUT', `/api/v1/orders/${ok.data.unique_id}`, {
        token: p.tokens.device,
        body: { quantity: 11 },
      });
      expect(put.statusCode).toBe(400);
      expect(put.data.error.message).toMatch(/^body\.quantity must be at most 10 /);
      // Cancelled, so that the next tests start from no orders of this device.
      expect(
        (await call(api.app, 'DELETE', `/api/v1/orders/${ok.data.unique_id}`, { token: p.tokens.device }))
          .statusCode,
      ).toBe(200);
    } finally {
      await config('order-quantity-max', null);
      await config('capacity:order-quantity-max', null);
      await config('order-price-max', null);
    }
  });

  it('refuses (409 ORDER_LIMIT) a device past device-orders-max in one interval; a cancel makes room', async () => {
    await config('capacity:device-orders-max', '3');
    try {
      const before = await stored(p.device.device_id);
      const placed = [];
      for (let i = 0; i < 3; i++) placed.push(await order());
      expect(placed.map((r) => r.statusCode)).toEqual([202, 202, 202]);
      const fourth = await order();
      expect(fourth.statusCode).toBe(409);
      expect(fourth.data.error.code).toBe('ORDER_LIMIT');
      expect(fourth.data.error.message).toMatch(/holds 3 orders of this market: device-orders-max is 3$/);
      expect(await stored(p.device.device_id)).toBe(before + 3);
      // Another device has its own count.
      expect((await order({}, p.tokens.otherDevice)).statusCode).toBe(202);
      const cancel = await call(api.app, 'DELETE', `/api/v1/orders/${placed[0]!.data.unique_id}`, {
        token: p.tokens.device,
      });
      expect(cancel.statusCode).toBe(200);
      expect((await order()).statusCode).toBe(202);
      expect((await order()).statusCode).toBe(409);
      // Opening the cancelled order again would make four.
      const reopen = await call(api.app, 'PUT', `/api/v1/orders/${placed[0]!.data.unique_id}`, {
        token: p.tokens.device,
        body: { price: 41 },
      });
      expect(reopen.statusCode).toBe(409);
      expect(reopen.data.error.code).toBe('ORDER_LIMIT');
    } finally {
      await config('capacity:device-orders-max', null);
    }
  });

  it('refuses a device past device-quantity-max in one interval, by new orders or by changes', async () => {
    await config('device-quantity-max', '10');
    try {
      // The tests above left this device 3 open orders of 1.
      const first = await order({ quantity: 4 });
      expect(first.statusCode).toBe(202);
      const over = await order({ quantity: 3.000001, side: 'sell' });
      expect(over.statusCode).toBe(409);
      expect(over.data.error.code).toBe('ORDER_LIMIT');
      expect(over.data.error.message).toMatch(
        /bids 7 of this market: 3\.000001 more would pass device-quantity-max 10$/,
      );
      expect((await order({ quantity: 3, side: 'sell' })).statusCode).toBe(202);
      const raise = await call(api.app, 'PUT', '/api/v1/orders', {
        token: p.tokens.device,
        body: { unique_id: first.data.unique_id, quantity: 4.5 },
      });
      expect(raise.statusCode).toBe(409);
      const lower = await call(api.app, 'PUT', '/api/v1/orders', {
        token: p.tokens.device,
        body: { unique_id: first.data.unique_id, quantity: 2 },
      });
      expect(lower.statusCode).toBe(200);
      expect((await order({ quantity: 2 })).statusCode).toBe(202);
      expect((await order({ quantity: 0.5 })).statusCode).toBe(409);
    } finally {
      await config('device-quantity-max', null);
    }
  });

  it('counts the orders a device already holds in the database (written before this process counted)', async () => {
    const user = await api.db.user.add({
      system_id: await api.db.systemId(),
      name: 'fresh',
      email: 'fresh@example.org',
    });
    const device = await api.db.device.add({ user_id: user.user_id, name: 'fresh device' });
    const { token: deviceToken } = await issueToken(api.db, { deviceId: device.device_id });
    const resourceId = (await api.db.resource.find({
      system_id: await api.db.systemId(),
      name: 'capacity',
    }))!;
    const start = intervalStart(clock, 300);
    for (let i = 0; i < 2; i++) {
      await api.db.order.add({
        device_id: device.device_id,
        resource_id: resourceId,
        interval_start: start,
        side: 'buy',
        quantity: 1,
        price: 10,
      });
    }
    const cancelled = await api.db.order.add({
      device_id: device.device_id,
      resource_id: resourceId,
      interval_start: start,
      side: 'buy',
      quantity: 1,
      price: 10,
    });
    await api.db.order.set({ unique_id: cancelled.unique_id, status: 'CANCELLED' });
    await config('device-orders-max', '3');
    try {
      expect((await order({}, deviceToken)).statusCode).toBe(202);
      const r = await order({}, deviceToken);
      expect(r.statusCode).toBe(409);
      expect(r.data.error.message).toMatch(/holds 3 orders/);
    } finally {
      await config('device-orders-max', null);
    }
  });

  it('a config limit that cannot be read refuses orders naming the entry, instead of lifting the limit', async () => {
    await config('device-orders-max', 'lots');
    try {
      const r = await order();
      expect(r.statusCode).toBe(400);
      expect(r.data.error.message).toBe(
        'config device-orders-max must be a number above 0 and at most 10000, not "lots"',
      );
    } finally {
      await config('device-orders-max', null);
    }
  });
});
