import { beforeAll, describe, expect, it } from 'vitest';
import { call, type People, seedPeople, useApi } from './helpers.js';

let clock = Date.UTC(2033, 2, 1, 10, 2, 0);
const api = useApi({ now: () => new Date(clock) });
let p: People;
let resourceId: number;
beforeAll(async () => {
  p = await seedPeople(api.db);
  resourceId = (await api.db.resource.find({ system_id: await api.db.systemId(), name: 'capacity' }))!;
});

describe('meters', () => {
  it('a device posts a reading (201); the same reading again is 409; a correction is PUT', async () => {
    const d = { token: p.tokens.device };
    const body = { resource: 'capacity', interval_start: '2033-03-01T10:00:00Z', quantity: 1.25 };
    const r = await call(api.app, 'POST', '/api/v1/meters', { ...d, body });
    expect(r.statusCode).toBe(201);
    expect(r.data).toMatchObject({ device_id: p.device.device_id, resource_id: resourceId, quantity: 1.25 });
    const again = await call(api.app, 'POST', '/api/v1/meters', { ...d, body });
    expect(again.statusCode).toBe(409);
    expect(again.data.error).toEqual({ code: 'EXISTS', message: '2033-03-01T10:00:00.000Z exists' });
    const fixed = await call(api.app, 'PUT', '/api/v1/meters', { ...d, body: { ...body, quantity: 1.5 } });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.data.quantity).toBe(1.5);
    const none = await call(api.app, 'PUT', '/api/v1/meters', {
      ...d,
      body: { ...body, interval_start: '2033-03-01T09:00:00Z' },
    });
    expect(none.statusCode).toBe(404);
    const bad = await call(api.app, 'POST', '/api/v1/meters', {
      ...d,
      body: { ...body, interval_start: 'noon' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error.message).toBe('body.interval_start must be an ISO-8601 time');
  });
});

describe('GET /transactions?user=', () => {
  it("a user's entries with the running balance, paged, as of a time", async () => {
    const book = (amount: number) =>
      api.db.transaction.add({
        user_id: p.customer.user_id,
        device_id: p.device.device_id,
        order_id: 1,
        price_id: 1,
        amount,
      });
    await book(10.5);
    const second = await book(-2.25);
    await book(0.000001);
    const r = await call(api.app, 'GET', `/api/v1/transactions?user=${p.customer.user_id}`, {
      token: p.tokens.customer,
    });
    expect(r.statusCode).toBe(200);
    expect(r.data.balance).toBe(8.250001);
    expect(r.data.items.map((t: { balance: number }) => t.balance)).toEqual([10.5, 8.25, 8.250001]);
    const page = await call(api.app, 'GET', `/api/v1/transactions?user=${p.customer.user_id}&limit=2`, {
      token: p.tokens.accounting,
    });
    expect(page.data.items).toHaveLength(2);
    expect(page.data.next).toBe(second.transaction_id);
    const rest = await call(
      api.app,
      'GET',
      `/api/v1/transactions?user=${p.customer.user_id}&after=${page.data.next}`,
      { token: p.tokens.accounting },
    );
    expect(rest.data.items.map((t: { amount: number }) => t.amount)).toEqual([0.000001]);
    const then = await call(
      api.app,
      'GET',
      `/api/v1/transactions?user=${p.customer.user_id}&asof=${new Date(second.created.getTime() + 1).toISOString()}`,
      { token: p.tokens.admin },
    );
    expect(then.data.balance).toBe(8.25);
    const nobody = await call(api.app, 'GET', '/api/v1/transactions?user=999999', { token: p.tokens.admin });
    expect(nobody.statusCode).toBe(404);
  });
});

describe('GET /markets/<resource>/intervals/<start>', () => {
  it('the clearing with supply and demand curves from the orders at the boundary', async () => {
    clock = Date.UTC(2033, 2, 1, 10, 2, 0);
    const place = (token: string, side: string, quantity: number, price: number) =>
      call(api.app, 'POST', '/api/v1/orders', {
        token,
        body: { resource: 'capacity', side, quantity, price },
      });
    const a = await place(p.tokens.device, 'buy', 2, 50);
    await place(p.tokens.device, 'buy', 3, 40);
    await place(p.tokens.otherDevice, 'buy', 1, 40);
    await place(p.tokens.otherDevice, 'sell', 4, 30);
    await place(p.tokens.otherDevice, 'sell', 2, 45);
    const cancelled = await place(p.tokens.device, 'buy', 9, 99);
    await call(api.app, 'DELETE', `/api/v1/orders/${cancelled.data.unique_id}`, { token: p.tokens.device });
    const start = a.data.interval_start as string;
    await api.db.price.add({
      resource_id: resourceId,
      interval_start: start,
      price: 45,
      quantity: 4,
      type: 'PRICE',
    });
    const url = `/api/v1/markets/capacity/intervals/${start}`;
    const r = await call(api.app, 'GET', url, { token: p.tokens.operator });
    expect(r.statusCode).toBe(200);
    expect(r.data.price).toMatchObject({ price: 45, quantity: 4, type: 'PRICE' });
    expect(r.data.orders).toEqual({ buy: 3, sell: 2 });
    expect(r.data.demand).toEqual([
      { price: 50, quantity: 2 },
      { price: 40, quantity: 6 },
    ]);
    expect(r.data.supply).toEqual([
      { price: 30, quantity: 4 },
      { price: 45, quantity: 6 },
    ]);
    expect(r.data.boundary).toBe('2033-03-01T10:05:00.000Z');
    expect((await call(api.app, 'GET', url, { token: p.tokens.customer })).statusCode).toBe(403);
    const misaligned = await call(api.app, 'GET', '/api/v1/markets/capacity/intervals/2033-03-01T10:01:00Z', {
      token: p.tokens.admin,
    });
    expect(misaligned.statusCode).toBe(400);
    const empty = await call(api.app, 'GET', '/api/v1/markets/capacity/intervals/2000-01-01T00:00:00Z', {
      token: p.tokens.admin,
    });
    expect(empty.statusCode).toBe(404);
  });
});
