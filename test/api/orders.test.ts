import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../http/group-commit.js';
import { call, type People, seedPeople, useApi } from './helpers.js';

// The server's clock is this variable: tests move it past an interval's boundary.
let clock = Date.now();
const api = useApi({ now: () => new Date(clock) });
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

const order = (body: Record<string, unknown> = {}, token = p.tokens.device) =>
  call(api.app, 'POST', '/api/v1/orders', {
    token,
    body: { resource: 'capacity', side: 'buy', quantity: 5, price: 42.5, ...body },
  });

async function raw<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: api.test.url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('POST /orders', () => {
  it('answers 202 with the order and its interval, durable when answered', async () => {
    clock = Date.UTC(2031, 0, 1, 12, 7, 30);
    const r = await order();
    expect(r.statusCode).toBe(202);
    expect(r.data).toEqual({
      order_id: expect.any(Number),
      unique_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      interval_start: '2031-01-01T12:05:00.000Z',
      clears_at: '2031-01-01T12:10:00.000Z',
    });
    const rows = await raw('SELECT * FROM "order" WHERE order_id = $1', [r.data.order_id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      unique_id: r.data.unique_id,
      device_id: p.device.device_id,
      side: 'buy',
      quantity: 5,
      price: 42.5,
      status: 'OPEN',
    });
  });

  it('follows the system interval config', async () => {
    clock = Date.UTC(2031, 0, 1, 12, 7, 30);
    await call(api.app, 'PUT', '/api/v1/config', {
      token: p.tokens.admin,
      body: { name: 'interval', value: '60' },
    });
    try {
      const r = await order();
      expect(r.data.interval_start).toBe('2031-01-01T12:07:00.000Z');
      expect(r.data.clears_at).toBe('2031-01-01T12:08:00.000Z');
    } finally {
      await call(api.app, 'PUT', '/api/v1/config', {
        token: p.tokens.admin,
        body: { name: 'interval', value: '300' },
      });
    }
  });

  it('refuses bad orders before they join a batch', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ quantity: 0 }, 400, 'body.quantity must be greater than 0'],
      [{ quantity: 'five' }, 400, 'body.quantity must be a number'],
      [{ side: 'hold' }, 400, 'body.side must be one of buy, sell'],
      [{ resource: 'water' }, 404, 'resource water not found'],
      [{ resource: undefined }, 400, 'body.resource is required (or body.resource_id)'],
      [{ colour: 'red' }, 400, 'body.colour is not allowed'],
    ];
    const before = (await raw<{ n: number }>('SELECT count(*)::int AS n FROM "order"'))[0]!.n;
    for (const [body, status, message] of cases) {
      const r = await order(body);
      expect(r.statusCode, message).toBe(status);
      expect(r.data.error.message).toBe(message);
    }
    const user = await order({}, p.tokens.customer);
    expect(user.statusCode).toBe(400);
    expect(user.data.error.message).toBe('body.device_id is required with a user token');
    expect((await raw<{ n: number }>('SELECT count(*)::int AS n FROM "order"'))[0]!.n).toBe(before);
  });

  it('a customer and an operator may place orders for a device by device_id', async () => {
    expect((await order({ device_id: p.device.device_id }, p.tokens.customer)).statusCode).toBe(202);
    expect((await order({ device_id: p.otherDevice.device_id }, p.tokens.operator)).statusCode).toBe(202);
    expect((await order({ device_id: p.otherDevice.device_id }, p.tokens.customer)).statusCode).toBe(403);
  });

  it('a unique_id given twice is 409 for the second, even in one batch', async () => {
    const unique_id = randomUUID();
    const [a, b] = await Promise.all([order({ unique_id }), order({ unique_id })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409]);
    expect((await raw('SELECT 1 FROM "order" WHERE unique_id = $1', [unique_id])).length).toBe(1);
  });
});

describe('PUT and DELETE /orders/<unique_id>', () => {
  it('replace and cancel until the interval closes, then 409 INTERVAL_CLOSED', async () => {
    clock = Date.UTC(2031, 0, 1, 13, 1, 0);
    const placed = await order();
    const url = `/api/v1/orders/${placed.data.unique_id}`;
    const d = { token: p.tokens.device };
    const replaced = await call(api.app, 'PUT', url, {
      ...d,
      body: { side: 'sell', quantity: 2, price: 30 },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.data).toMatchObject({ side: 'sell', quantity: 2, price: 30, status: 'OPEN' });
    expect(replaced.data.order_id).not.toBe(placed.data.order_id);
    const viaBody = await call(api.app, 'PUT', '/api/v1/orders', {
      ...d,
      body: { unique_id: placed.data.unique_id, price: 31 },
    });
    expect(viaBody.data).toMatchObject({ side: 'sell', price: 31 });
    const cancelled = await call(api.app, 'DELETE', url, d);
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.data.status).toBe('CANCELLED');

    const second = await order();
    clock = Date.UTC(2031, 0, 1, 13, 5, 0); // the boundary
    for (const [method, body] of [
      ['PUT', { price: 1 }],
      ['DELETE', undefined],
    ] as const) {
      const r = await call(api.app, method, `/api/v1/orders/${second.data.unique_id}`, { ...d, body });
      expect(r.statusCode).toBe(409);
      expect(r.data.error.code).toBe('INTERVAL_CLOSED');
    }
    const missing = await call(api.app, 'DELETE', `/api/v1/orders/${randomUUID()}`, d);
    expect(missing.statusCode).toBe(404);
    const empty = await call(api.app, 'PUT', url, { ...d, body: {} });
    expect(empty.statusCode).toBe(400);
  });
});

describe('group commit', () => {
  it('many concurrent POSTs: all durable, written in fewer transactions than requests', async () => {
    clock = Date.UTC(2031, 0, 2, 0, 0, 1);
    const n = 300;
    // One device places them all: above the default device-orders-max (100 per interval).
    const system_id = await api.db.systemId();
    await api.db.config.add({ system_id, name: 'device-orders-max', value: String(n) });
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => order({ price: i })));
    await api.db.config.set({ system_id, name: 'device-orders-max', value: null });
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 202));
    const ids = answers.map((a) => a.data.order_id as number);
    expect(new Set(ids).size).toBe(n);
    const rows = await raw<{ order_id: number; price: number; tx: string }>(
      'SELECT order_id, price, xmin::text AS tx FROM "order" WHERE order_id = ANY($1::bigint[])',
      [ids],
    );
    expect(rows).toHaveLength(n);
    const byId = new Map(rows.map((r) => [r.order_id, r.price]));
    for (const [i, a] of answers.entries()) expect(byId.get(a.data.order_id)).toBe(i);
    const transactions = new Set(rows.map((r) => r.tx)).size;
    expect(transactions).toBeLessThan(n / 5);
  });

  it('a batch refused for a row is written one by one, so one bad row fails alone', async () => {
    const written: number[] = [];
    const gc = new GroupCommit<number>(
      async () => {
        // A check violation (SQLSTATE 23514): a refusal of the data, not an outage.
        throw Object.assign(new Error('batch refused'), { code: '23514' });
      },
      async (row) => {
        if (row === 3) throw new Error('row 3 is bad');
        written.push(row);
        return row * 10;
      },
      { delayMs: 5 },
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((r) => gc.submit(r)));
    await gc.close();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(
      results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value),
    ).toEqual([10, 20, 40]);
    expect(written).toEqual([1, 2, 4]);
  });

  it('close() writes what is pending and leaves no timer behind', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit<number>(
      async (rows) => {
        batches.push(rows);
        return rows;
      },
      async (row) => row,
      { delayMs: 10_000 },
    );
    const pending = Promise.all([gc.submit(1), gc.submit(2)]);
    await gc.close();
    expect(await pending).toEqual([1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });
});
describe('order quantities', () => {
  it('are stored in whole millionths, and one that rounds to nothing is a 400 naming the field', async () => {
    clock = Date.UTC(2031, 0, 2, 12, 0, 10);
    const fine = await order({ quantity: 0.00494463411020115 });
    expect(fine.statusCode).toBe(202);
    const rows = await raw<{ quantity: number }>('SELECT quantity FROM "order" WHERE order_id = $1', [
      fine.data.order_id,
    ]);
    expect(rows[0]!.quantity).toBe(0.004945);
    const tiny = await order({ quantity: 0.0000004 });
    expect(tiny.statusCode).toBe(400);
    expect(tiny.data).toEqual({
      error: { code: 'INVALID', message: 'body.quantity must be at least 0.000001, not 4e-7' },
    });
  });
});
