import fc from 'fast-check';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_ORDER } from '../../storage/index.js';
import { roundTo } from '../../storage/values.js';
import { type People, seedPeople, useApi } from './helpers.js';

// Hundreds of malformed tokens from one address: above the 401 limit, which auth-limit tests.
const api = useApi({ authFailureLimit: { max: 1_000_000, timeWindowMs: 60_000 } });
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

async function counts(): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: api.test.url });
  await c.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of TABLE_ORDER) out[t] = (await c.query(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0].n;
    return out;
  } finally {
    await c.end();
  }
}

/** A valid body of each POST and PUT, so that corrupting one field makes it invalid. */
const bodies = (): Record<string, { post?: Record<string, unknown>; put?: Record<string, unknown> }> => ({
  systems: { post: { name: 'fuzz' }, put: { name: 'fuzz' } },
  config: { post: { name: 'fuzz', value: '1' }, put: { name: 'interval', value: '300' } },
  resources: { post: { name: 'fuzz' }, put: { name: 'capacity', price_unit: '$/MWh' } },
  users: { post: { name: 'f', email: 'fuzz@example.org' }, put: { email: p.customer.email, name: 'c' } },
  preferences: { post: { user_id: p.customer.user_id, name: 'fuzz', value: 'x' } },
  devices: {
    post: { user_id: p.customer.user_id, name: 'fuzz' },
    put: { unique_id: p.device.unique_id, name: 'x' },
  },
  settings: { post: { device_id: p.device.device_id, name: 'fuzz', value: '1' } },
  tokens: { post: { user_id: p.customer.user_id }, put: { unique_id: 'x', is_valid: false } },
  orders: {
    post: { resource: 'capacity', side: 'buy', quantity: 1, price: 1, device_id: p.device.device_id },
  },
  prices: {
    post: { resource_id: 1, interval_start: '2020-01-01T00:00:00Z', price: 1, quantity: 1, type: 'PRICE' },
  },
  meters: {
    post: {
      device_id: p.device.device_id,
      resource: 'capacity',
      interval_start: '2020-01-01T00:00:00Z',
      quantity: 1,
    },
  },
  transactions: {
    post: { user_id: p.customer.user_id, device_id: p.device.device_id, price_id: 1, order_id: 1, amount: 1 },
  },
  log: { post: { event: 'INSERT', message: 'fuzz' } },
});

const wrong = (field: string) =>
  field === 'is_valid'
    ? fc.oneof(fc.string(), fc.integer())
    : fc.oneof(
        fc.boolean(),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
      );

const notJson = fc.string({ minLength: 1 }).filter((s) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return true;
  }
});

const OPTIONAL: Record<'POST' | 'PUT', Record<string, string[]>> = {
  POST: { config: ['value'], preferences: ['value'], settings: ['value'], transactions: ['order_id'] },
  PUT: { config: ['value'], resources: ['price_unit'], users: ['name'], devices: ['name'] },
};

type Case = { method: 'POST' | 'PUT'; path: string; payload: string };

/** Malformed bodies: not JSON, not an object, an unknown field, a required field missing or of the wrong kind. */
function malformedBody(): fc.Arbitrary<Case> {
  const cases: fc.Arbitrary<Case>[] = [];
  for (const [path, b] of Object.entries(bodies())) {
    for (const method of ['POST', 'PUT'] as const) {
      const valid = method === 'POST' ? b.post : b.put;
      if (!valid) continue;
      // Fields without which the body is incomplete (optional ones may be left out).
      const fields = Object.keys(valid).filter((f) => !(OPTIONAL[method][path] ?? []).includes(f));
      const make = (body: unknown) => ({ method, path, payload: JSON.stringify(body) });
      cases.push(
        notJson.map((payload) => ({ method, path, payload })),
        fc
          .oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }))
          .map(make),
        fc
          .tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue())
          .map(([k, v]) => make({ ...valid, [`x_${k}`]: v })),
        fc.constantFrom(...fields).map((f) => {
          const { [f]: _gone, ...rest } = valid;
          return make(rest);
        }),
        fc.constantFrom(...fields).chain((f) => wrong(f).map((v) => make({ ...valid, [f]: v }))),
      );
    }
  }
  return fc.oneof(...cases);
}

const TABLE_PATHS = [
  'systems',
  'config',
  'resources',
  'users',
  'preferences',
  'devices',
  'settings',
  'tokens',
  'orders',
  'prices',
  'meters',
  'transactions',
  'log',
];
const malformedQuery = fc.oneof(
  fc
    .tuple(fc.constantFrom(...TABLE_PATHS), fc.string({ minLength: 1, maxLength: 10 }), fc.string())
    .map(([path, k, v]) => `/api/v1/${path}?x_${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
  fc
    .tuple(
      fc.constantFrom(
        ...TABLE_PATHS.map((t) => `/api/v1/${t}?`),
        '/api/v1/prices/current?resource=capacity&',
        '/api/v1/config/1?',
      ),
      fc.string().filter((s) => !/^\d{4}-/.test(s)),
    )
    .map(([prefix, v]) => `${prefix}asof=${encodeURIComponent(v)}`),
  fc
    .tuple(
      fc.constantFrom(...TABLE_PATHS),
      fc.constantFrom('limit', 'after'),
      fc.string().filter((s) => !/^\d+$/.test(s)),
    )
    .map(([path, k, v]) => `/api/v1/${path}?${k}=${encodeURIComponent(v)}`),
  fc
    .tuple(
      fc.constantFrom(...TABLE_PATHS),
      fc.string({ minLength: 1 }).filter((s) => !/^\d+$/.test(s)),
    )
    .map(([path, id]) => `/api/v1/${path}/${encodeURIComponent(id)}`),
  fc
    .tuple(fc.string().filter((s) => !/^\d{4}-/.test(s)))
    .map(([s]) => `/api/v1/prices?resource=capacity&from=${encodeURIComponent(s)}&to=2030-01-01T00:00:00Z`),
  fc
    .string()
    .map(
      (s) =>
        `/api/v1/prices?resource=capacity&from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&bucket=x${encodeURIComponent(s)}`,
    ),
  fc
    .string()
    .filter((s) => !/^\d{4}-/.test(s))
    .map((s) => `/api/v1/markets/capacity/intervals/${encodeURIComponent(s)}`),
  fc.string({ minLength: 1, maxLength: 5 }).map((s) => `/api/v1/transactions?user=x${encodeURIComponent(s)}`),
);

function expectErrorShape(status: number, body: string, label: string) {
  expect(status, label).toBeGreaterThanOrEqual(400);
  expect(status, `${label}: ${body}`).toBeLessThan(500);
  const parsed = JSON.parse(body);
  expect(Object.keys(parsed), label).toEqual(['error']);
  expect(parsed.error.code, label).toMatch(/^[A-Z_]+$/);
  expect(typeof parsed.error.message, label).toBe('string');
}

describe('malformed requests at every route', () => {
  it('bodies: always a 4xx error in the API shape, nothing stored', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(malformedBody(), async ({ method, path, payload }) => {
        const r = await api.app.inject({
          method,
          url: `/api/v1/${path}`,
          headers: { authorization: `Bearer ${p.tokens.admin}`, 'content-type': 'application/json' },
          payload,
        });
        expectErrorShape(r.statusCode, r.body, `${method} ${path} ${payload}`);
      }),
      { numRuns: 400 },
    );
    expect(await counts()).toEqual(before);
  });

  it('query strings and path parameters: always a 4xx error in the API shape', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(malformedQuery, async (url) => {
        const r = await api.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${p.tokens.admin}` },
        });
        expectErrorShape(r.statusCode, r.body, url);
      }),
      { numRuns: 400 },
    );
    expect(await counts()).toEqual(before);
  });

  it('order changes with malformed bodies, and any request with a malformed token', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('PUT', 'DELETE', 'POST', 'GET'),
        fc.string(),
        fc.oneof(
          notJson,
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        async (method, tokenText, payload) => {
          const r = await api.app.inject({
            method: method as 'PUT',
            url: method === 'PUT' || method === 'DELETE' ? '/api/v1/orders/some-order' : '/api/v1/orders',
            headers: {
              authorization: `Bearer x${tokenText.replace(/[^\x21-\x7e]/g, '')}`,
              'content-type': 'application/json',
            },
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload }),
          });
          expectErrorShape(r.statusCode, r.body, `${method} ${payload}`);
          expect(r.statusCode === 401 || r.statusCode === 400).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    expect(await counts()).toEqual(before);
  });
});

/** Numbers as JSON text over the whole double range, with the edges spelled out (1e400 parses to Infinity). */
const anyNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? '-0' : String(x))),
  fc.constantFrom('1e303', '-1e303', '1e400', '-1e400', '-0', '5e-324', '2.2e-308', String(Number.MAX_VALUE)),
  fc.constantFrom('1000000', '1000000.0000001', '0.0000005', '0.000001', '999999.9999999'),
);

describe('numbers over the whole double range', () => {
  it('an order is accepted only with 0 < quantity <= 1e6 and |price| <= 1e6; nothing else is stored', async () => {
    await fc.assert(
      fc.asyncProperty(anyNumber, anyNumber, async (q, price) => {
        const before = (await counts())['order'];
        const r = await api.app.inject({
          method: 'POST',
          url: '/api/v1/orders',
          headers: { authorization: `Bearer ${p.tokens.admin}`, 'content-type': 'application/json' },
          payload: `{"resource":"capacity","side":"buy","device_id":${p.device.device_id},"quantity":${q},"price":${price}}`,
        });
        const quantity = Number(q);
        const ok = roundTo(quantity, 6) > 0 && quantity <= 1e6 && Math.abs(Number(price)) <= 1e6;
        if (!ok) {
          expectErrorShape(r.statusCode, r.body, `quantity ${q} price ${price}`);
          expect((await counts())['order']).toBe(before);
          return;
        }
        expect(r.statusCode, `${q} ${price}: ${r.body}`).toBe(202);
        const row = await api.db.order.get(JSON.parse(r.body).order_id);
        expect(row?.quantity).toBe(roundTo(quantity, 6));
        expect(row?.price).toBe(Number(price) + 0);
        // Cancelled, so that the device's limits per interval (orders, total quantity) never refuse the next.
        const cancel = await api.app.inject({
          method: 'DELETE',
          url: `/api/v1/orders/${row?.unique_id}`,
          headers: { authorization: `Bearer ${p.tokens.admin}` },
        });
        expect(cancel.statusCode).toBe(200);
      }),
      { numRuns: 150 },
    );
  });

  it('a meter reading is accepted only with |quantity| <= 1e9; nothing else is stored', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(anyNumber, async (q) => {
        const before = (await counts())['meter'];
        const start = new Date(Date.UTC(2021, 0, 1) + ++k * 86_400_000).toISOString();
        const r = await api.app.inject({
          method: 'POST',
          url: '/api/v1/meters',
          headers: { authorization: `Bearer ${p.tokens.admin}`, 'content-type': 'application/json' },
          payload: `{"resource":"capacity","device_id":${p.device.device_id},"interval_start":"${start}","quantity":${q}}`,
        });
        if (!(Math.abs(Number(q)) <= 1e9)) {
          expectErrorShape(r.statusCode, r.body, `quantity ${q}`);
          expect((await counts())['meter']).toBe(before);
          return;
        }
        expect(r.statusCode, `${q}: ${r.body}`).toBe(201);
        expect(JSON.parse(r.body).quantity).toBe(roundTo(Number(q), 6));
      }),
      { numRuns: 100 },
    );
  });

  it('a meter reading off the interval grid or of an interval not yet begun is refused', async () => {
    const before = (await counts())['meter'];
    const post = (interval_start: string) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/meters',
        headers: { authorization: `Bearer ${p.tokens.admin}`, 'content-type': 'application/json' },
        payload: { resource: 'capacity', device_id: p.device.device_id, interval_start, quantity: 1 },
      });
    const off = await post('2020-06-01T00:01:00Z');
    expect(off.statusCode).toBe(400);
    expect(JSON.parse(off.body).error.message).toMatch(/^body.interval_start must start an interval/);
    const future = await post(new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1)).toISOString());
    expect(future.statusCode).toBe(400);
    expect(JSON.parse(future.body).error.message).toMatch(/must not be in the future/);
    expect((await counts())['meter']).toBe(before);
  });
});

describe('one bad order among many', () => {
  it('is refused alone: the orders submitted with it are all stored', async () => {
    const before = (await counts())['order'];
    const send = (quantity: string) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: { authorization: `Bearer ${p.tokens.admin}`, 'content-type': 'application/json' },
        payload: `{"resource":"capacity","side":"sell","device_id":${p.device.device_id},"quantity":${quantity},"price":3}`,
      });
    const answers = await Promise.all([...Array.from({ length: 20 }, () => send('1')), send('1e303')]);
    expect(answers.slice(0, 20).map((r) => r.statusCode)).toEqual(Array(20).fill(202));
    expect(answers[20]!.statusCode).toBe(400);
    expect((await counts())['order']).toBe(before! + 20);
  });
});
