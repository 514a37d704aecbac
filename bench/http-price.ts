import { intervalStart } from '../engine/intervals.js';
import type { Benchmark } from './harness.js';
import { type HttpSize, httpPlan, httpSide, medianOf, startBenchServer } from './http-server.js';

/**
 * GET /api/v1/prices/current (served from memory) against a bare route of the same
 * server returning a constant, at 100 connections.
 */
export const httpPrice: Benchmark<HttpSize> = {
  ...httpPlan('http-price', 'requests', 'constant route', { op: '>=', value: 0.6 }),
  description: 'GET /api/v1/prices/current vs a bare route returning a constant, same server, autocannon',
  async prepare(size) {
    const bench = await startBenchServer((app) => {
      app.get('/bench/constant', async () => ({ price: 42.5 }));
    });
    // The latest cleared interval: the one before the interval now open.
    const systemId = await bench.db.systemId();
    const resourceId = (await bench.db.resource.find({ system_id: systemId, name: 'capacity' }))!;
    await bench.db.price.add({
      resource_id: resourceId,
      interval_start: new Date(intervalStart(new Date(), 300).getTime() - 300_000),
      interval_seconds: 300,
      price: 42.5,
      quantity: 1200,
      type: 'PRICE',
    });
    const path = httpSide(
      'prices/current',
      () => ({ url: `${bench.url}/api/v1/prices/current?resource=capacity` }),
      size,
    );
    const base = httpSide('constant route', () => ({ url: `${bench.url}/bench/constant` }), size);
    return {
      path: path.side,
      baselines: [base.side],
      async checks() {
        const p99 = medianOf(path.runs.map((r) => r.p99));
        return { 'p99 ms': { value: p99, op: '<', limit: 10, met: p99 < 10 } };
      },
      extra: async () => ({
        p50Ms: medianOf(path.runs.map((r) => r.p50)),
        baselineP99Ms: medianOf(base.runs.map((r) => r.p99)),
        errors: [...path.runs, ...base.runs].reduce((s, r) => s + r.bad, 0),
        connections: size.connections,
      }),
      close: () => bench.close(),
    };
  },
};
