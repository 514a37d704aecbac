import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import type { Runtime } from '../../workers/runtime.js';
import { waitFor } from '../helpers/market.js';
import { redisPrefix } from '../helpers/redis.js';
import { issueToken } from '../../storage/tokens.js';
import { type Api, useApi } from './helpers.js';
import { startTestRuntime } from '../helpers/runtime.js';

/**
 * Over a real socket, with the runtime running: orders placed through the API clear at
 * the boundary, the price is served from the runtime's Redis message, and each order's
 * fill and money are readable through the API.
 */
// The server's clock stands at `opens` until real time passes it (see the test).
let opens = 0;
const api: Api = useApi({ subscriber: true, now: () => new Date(Math.max(Date.now(), opens)) });
const queue = redisPrefix();
let runtime: Runtime;
let base: string;

beforeAll(async () => {
  base = await api.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await runtime?.stop();
  await queue.clean();
});

async function http(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, data: (await response.json()) as Record<string, unknown> };
}

describe('the API and the runtime together', () => {
  it('orders placed over HTTP clear at the boundary; price, fills and money are served back', async () => {
    const { db } = api;
    const systemId = await db.systemId();
    await db.config.set({ name: 'interval', value: '2' });
    const tokens: string[] = [];
    const owners: number[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await db.user.add({
        system_id: systemId,
        name: `live${i}`,
        email: `live${i}@example.org`,
      });
      const device = await db.device.add({ user_id: user.user_id, name: `live device ${i}` });
      tokens.push((await issueToken(db, { deviceId: device.device_id })).token);
      owners.push(user.user_id);
    }
    const admin = (
      await issueToken(db, {
        userId: (
          await db.user.add({
            system_id: systemId,
            name: 'root',
            email: 'root@example.org',
            role: 'ADMINISTRATOR',
          })
        ).user_id,
      })
    ).token;
    runtime = await startTestRuntime(db, queue.prefix, { log: pino({ level: 'silent' }), graceMs: 100 });

    // The orders are for the next interval: the intake's clock stands just after its start
    // until real time gets there, so all three fall in it however slow the machine is to
    // answer them, and they are written before it ends.
    opens = intervalStart(Date.now(), 2).getTime() + 2000 + 50;
    const placed = await Promise.all([
      http('POST', '/api/v1/orders', tokens[0], {
        resource: 'capacity',
        side: 'buy',
        quantity: 3,
        price: 50,
      }),
      http('POST', '/api/v1/orders', tokens[1], {
        resource: 'capacity',
        side: 'buy',
        quantity: 2,
        price: 20,
      }),
      http('POST', '/api/v1/orders', tokens[2], {
        resource: 'capacity',
        side: 'sell',
        quantity: 4,
        price: 10,
      }),
    ]);
    for (const p of placed) expect(p.status).toBe(202);
    const interval = placed[0]!.data['interval_start'];
    expect(placed.every((p) => p.data['interval_start'] === interval)).toBe(true);

    const current = await waitFor('the price of that interval over HTTP', async () => {
      const r = await http('GET', `/api/v1/prices/current?resource=capacity&system=${api.system}`);
      return r.status === 200 && r.data['interval_start'] === interval && r.data;
    });
    // 4 offered at 10 against 3 at 50 and 2 at 20: the buyer at 20 is marginal.
    expect(current).toMatchObject({ price: 20, quantity: 4, type: 'BUYER', marginal_quantity: 1 });

    const first = await http('GET', `/api/v1/orders?unique_id=${placed[0]!.data['unique_id']}`, tokens[0]);
    expect(first.data).toMatchObject({
      status: 'CLEARED',
      cleared_quantity: 3,
      price_id: current['price_id'],
    });
    const ledger = await http('GET', `/api/v1/transactions?user=${owners[2]}`, admin);
    expect(ledger.status).toBe(200);
    expect(JSON.stringify(ledger.data)).toContain('"amount":0.044444');
  }, 30_000);
});
