import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, type People, seedPeople, useApi } from './helpers.js';

const api = useApi();
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

type Actor = 'none' | 'admin' | 'operator' | 'accounting' | 'customer' | 'device';
const ACTORS: Actor[] = ['none', 'admin', 'operator', 'accounting', 'customer', 'device'];
const token = (a: Actor) => (a === 'none' ? undefined : p.tokens[a]);

// ok = allowed (any answer but 401/403/405); 401 = needs a token; 403 = outside the
// caller's rights; 405 = final rows, written by the market runtime only, whoever asks.
type Expect = 'ok' | 401 | 403 | 405;
const FINAL: Expect[] = [405, 405, 405, 405, 405, 405];
//                                 none  admin operator accounting customer device
const MATRIX: Record<string, { read: Expect[]; write: Expect[] }> = {
  systems: { read: [401, 'ok', 'ok', 403, 403, 403], write: [401, 'ok', 'ok', 403, 403, 403] },
  config: { read: [401, 'ok', 'ok', 403, 403, 403], write: [401, 'ok', 'ok', 403, 403, 403] },
  resources: { read: [401, 'ok', 'ok', 403, 403, 403], write: [401, 'ok', 'ok', 403, 403, 403] },
  users: { read: [401, 'ok', 'ok', 403, 403, 403], write: [401, 'ok', 403, 403, 403, 403] },
  preferences: { read: [401, 'ok', 'ok', 403, 'ok', 403], write: [401, 'ok', 403, 403, 'ok', 403] },
  devices: { read: [401, 'ok', 'ok', 403, 'ok', 403], write: [401, 'ok', 403, 403, 'ok', 403] },
  settings: { read: [401, 'ok', 'ok', 403, 'ok', 403], write: [401, 'ok', 403, 403, 'ok', 403] },
  tokens: { read: [401, 'ok', 'ok', 403, 403, 403], write: [401, 'ok', 403, 403, 403, 403] },
  orders: { read: [401, 'ok', 'ok', 403, 'ok', 'ok'], write: [401, 'ok', 'ok', 403, 'ok', 'ok'] },
  prices: { read: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'], write: FINAL },
  meters: { read: [401, 'ok', 'ok', 'ok', 403, 'ok'], write: [401, 'ok', 403, 403, 403, 'ok'] },
  transactions: { read: [401, 'ok', 'ok', 'ok', 'ok', 403], write: FINAL },
  log: { read: [401, 'ok', 'ok', 403, 403, 403], write: FINAL },
  markets: { read: [401, 'ok', 'ok', 403, 403, 403], write: [] },
};

const uniq = () => randomBytes(4).toString('hex');
let minute = 0;

function readUrl(path: string, actor: Actor): string {
  if (path === 'markets') return '/api/v1/markets/capacity/intervals/2024-01-01T00:00:00Z';
  if (['settings', 'orders', 'meters'].includes(path) && actor === 'customer') {
    return `/api/v1/${path}?device_id=${p.device.device_id}`;
  }
  return `/api/v1/${path}`;
}

function writeBody(path: string): unknown {
  const device_id = p.device.device_id;
  const user_id = p.customer.user_id;
  switch (path) {
    case 'systems':
      return { name: `s-${uniq()}` };
    case 'config':
      return { name: `c-${uniq()}`, value: '1' };
    case 'resources':
      return { name: `r-${uniq()}` };
    case 'users':
      return { name: 'u', email: `${uniq()}@example.org` };
    case 'preferences':
      return { user_id, name: `p-${uniq()}`, value: 'x' };
    case 'devices':
      return { user_id, name: 'plug' };
    case 'settings':
      return { device_id, name: `s-${uniq()}`, value: '1' };
    case 'tokens':
      return { user_id };
    case 'orders':
      return { device_id, resource: 'capacity', side: 'buy', quantity: 1, price: 10 };
    case 'prices':
      return {
        resource_id: 1,
        interval_start: new Date(Date.UTC(2020, 0, 1, 0, 5 * ++minute)).toISOString(),
        price: 1,
        quantity: 1,
        type: 'PRICE',
      };
    case 'meters':
      return {
        device_id,
        resource: 'capacity',
        interval_start: new Date(Date.UTC(2020, 0, 1, 0, 5 * ++minute)).toISOString(),
        quantity: 1,
      };
    case 'transactions':
      return { user_id, device_id, order_id: 1, price_id: 1, amount: 1.5 };
    case 'log':
      return { event: 'INSERT', message: 'probe' };
  }
  throw new Error(path);
}

const verdict = (status: number): Expect =>
  status === 401 || status === 403 || status === 405 ? status : 'ok';

describe('role matrix: every role × every resource', () => {
  for (const [path, ops] of Object.entries(MATRIX)) {
    for (const [i, actor] of ACTORS.entries()) {
      it(`${actor} reads ${path}: ${ops.read[i]}`, async () => {
        const r = await call(api.app, 'GET', readUrl(path, actor), { token: token(actor) });
        expect(verdict(r.statusCode), r.body).toBe(ops.read[i]);
        expect(r.statusCode).toBeLessThan(500);
        if (r.statusCode >= 400) expect(r.data.error.code).toMatch(/^[A-Z_]+$/);
      });
      if (ops.write.length) {
        it(`${actor} writes ${path}: ${ops.write[i]}`, async () => {
          const r = await call(api.app, 'POST', `/api/v1/${path}`, {
            token: token(actor),
            body: writeBody(path),
          });
          expect(verdict(r.statusCode), r.body).toBe(ops.write[i]);
          if (ops.write[i] === 'ok') expect([201, 202]).toContain(r.statusCode);
        });
      }
    }
  }
});

describe('own entries only', () => {
  it("a customer cannot read or write another customer's entries", async () => {
    const c = { token: p.tokens.customer };
    expect((await call(api.app, 'GET', `/api/v1/devices/${p.otherDevice.device_id}`, c)).statusCode).toBe(
      403,
    );
    expect((await call(api.app, 'GET', `/api/v1/devices/${p.device.device_id}`, c)).statusCode).toBe(200);
    expect(
      (await call(api.app, 'GET', `/api/v1/settings?device_id=${p.otherDevice.device_id}`, c)).statusCode,
    ).toBe(403);
    expect((await call(api.app, 'GET', '/api/v1/settings', c)).statusCode).toBe(403);
    const put = await call(api.app, 'PUT', '/api/v1/devices', {
      ...c,
      body: { unique_id: p.otherDevice.unique_id, user_id: p.customer.user_id },
    });
    // Not 403: that would confirm the unique_id exists (answered as for one that does not).
    expect(put.statusCode).toBe(404);
    const setting = await call(api.app, 'POST', '/api/v1/settings', {
      ...c,
      body: { device_id: p.otherDevice.device_id, name: 'mode', value: 'eco' },
    });
    expect(setting.statusCode).toBe(403);
    const ledger = await call(api.app, 'GET', `/api/v1/transactions?user=${p.other.user_id}`, c);
    expect(ledger.statusCode).toBe(403);
    const listed = await call(api.app, 'GET', '/api/v1/devices', c);
    expect(listed.data.items.map((d: { user_id: number }) => d.user_id)).toEqual(
      listed.data.items.map(() => p.customer.user_id),
    );
    expect(listed.data.items.length).toBeGreaterThan(0);
  });

  it('a device token acts for its own device only', async () => {
    const d = { token: p.tokens.device };
    const order = await call(api.app, 'POST', '/api/v1/orders', {
      ...d,
      body: { device_id: p.otherDevice.device_id, resource: 'capacity', side: 'sell', quantity: 1, price: 1 },
    });
    expect(order.statusCode).toBe(403);
    const meter = await call(api.app, 'POST', '/api/v1/meters', {
      ...d,
      body: {
        device_id: p.otherDevice.device_id,
        resource: 'capacity',
        interval_start: '2021-01-01T00:00:00Z',
        quantity: 1,
      },
    });
    expect(meter.statusCode).toBe(403);
    const theirs = await call(api.app, 'POST', '/api/v1/orders', {
      token: p.tokens.otherDevice,
      body: { resource: 'capacity', side: 'sell', quantity: 1, price: 1 },
    });
    expect(theirs.statusCode).toBe(202);
    expect((await call(api.app, 'DELETE', `/api/v1/orders/${theirs.data.unique_id}`, d)).statusCode).toBe(
      403,
    );
    const mine = await call(api.app, 'GET', '/api/v1/orders', d);
    expect(mine.data.items.every((o: { device_id: number }) => o.device_id === p.device.device_id)).toBe(
      true,
    );
  });

  it('a role change applies at once', async () => {
    const user = await api.db.user.add({
      system_id: await api.db.systemId(),
      name: 'x',
      email: `${uniq()}@example.org`,
      role: 'OPERATOR',
    });
    const t = (
      await call(api.app, 'POST', '/api/v1/tokens', {
        token: p.tokens.admin,
        body: { user_id: user.user_id },
      })
    ).data.token;
    expect((await call(api.app, 'GET', '/api/v1/log', { token: t })).statusCode).toBe(200);
    const demoted = await call(api.app, 'PUT', '/api/v1/users', {
      token: p.tokens.admin,
      body: { email: user.email, role: 'CUSTOMER' },
    });
    expect(demoted.statusCode).toBe(200);
    expect((await call(api.app, 'GET', '/api/v1/log', { token: t })).statusCode).toBe(403);
  });
});
