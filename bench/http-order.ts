import { OrderBody } from '../http/orders.js';
import { issueToken } from '../storage/index.js';
import { ORDER_LIMITS } from '../engine/order-limits.js';
import type { Benchmark } from './harness.js';
import { type HttpSize, httpPlan, httpSide, medianOf, startBenchServer } from './http-server.js';

/** Devices placing the orders, in turn on every connection. */
const DEVICES = 100;

/**
 * POST /api/v1/orders with device tokens, each answered once its group-commit batch is
 * committed, against a bare POST route of the same server that validates the same body
 * and answers 202. Durable: every accepted order is counted in the table afterwards.
 */
export const httpOrder: Benchmark<HttpSize> = {
  ...httpPlan('http-order', 'orders', 'validate only'),
  description: 'POST /api/v1/orders (durable, group commit) vs a bare POST route that validates and returns',
  async prepare(size) {
    const bench = await startBenchServer((app) => {
      app.post('/bench/validate', { schema: { body: OrderBody } }, async (_req, reply) =>
        reply.code(202).send({ ok: true }),
      );
    });
    const db = bench.db;
    const system_id = await db.systemId();
    const user = await db.user.add({ system_id, name: 'bench', email: 'bench@example.org' });
    // Orders come from many devices in turn, as in a market: one device alone would meet
    // its limit of orders per interval (device-orders-max, raised here to its ceiling).
    await db.config.add({
      system_id,
      name: 'device-orders-max',
      value: String(ORDER_LIMITS['device-orders-max'].ceiling),
    });
    const tokens: string[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const device = await db.device.add({ user_id: user.user_id, name: `bench device ${i}` });
      tokens.push((await issueToken(db, { deviceId: device.device_id })).token);
    }
    const body = JSON.stringify({ resource: 'capacity', side: 'buy', quantity: 5, price: 42.5 });
    const load = (url: string) => ({
      url,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body,
      rotate: tokens.map((token) => ({
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      })),
    });
    // One order per device first, one at a time: the server then holds every token, the
    // market's limits and each device's count, as in a running market. Left to the timed
    // runs, all connections would ask for the same uncached token at once (each starts at
    // the first device), and the first pass through the devices would measure that.
    for (const token of tokens) {
      const r = await fetch(`${bench.url}/api/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      if (r.status !== 202)
        throw new Error(`http-order: warm-up order answered ${r.status}: ${await r.text()}`);
    }
    const path = httpSide('POST /orders', () => load(`${bench.url}/api/v1/orders`), size);
    const base = httpSide('validate only', () => load(`${bench.url}/bench/validate`), size);
    const stored = async () => {
      const { rows } = await bench.raw.query(
        'SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS batches FROM "order"',
      );
      return rows[0] as { n: number; batches: number };
    };
    return {
      path: path.side,
      baselines: [base.side],
      async checks() {
        const rate = medianOf(path.runs.map((r) => r.ok / size.seconds));
        const accepted = path.runs.reduce((s, r) => s + r.ok, 0);
        const { n } = await stored();
        return {
          'durable orders/s': { value: rate, op: '>=', limit: 5000, met: rate >= 5000 },
          'orders stored / accepted': { value: n / accepted, op: '>=', limit: 1, met: n >= accepted },
        };
      },
      async extra() {
        const { n, batches } = await stored();
        return {
          p50Ms: medianOf(path.runs.map((r) => r.p50)),
          p99Ms: medianOf(path.runs.map((r) => r.p99)),
          averageBatch: Math.round(n / Math.max(1, batches)),
          errors: [...path.runs, ...base.runs].reduce((s, r) => s + r.bad, 0),
        };
      },
      close: () => bench.close(),
    };
  },
};
