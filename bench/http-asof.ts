import type { Benchmark } from './harness.js';
import { type HttpSize, httpPlan, httpSide, medianOf, startBenchServer } from './http-server.js';

const INTERVALS = 30 * 288;

/**
 * An as-of price read, GET /api/v1/prices/current?resource=capacity&asof=T (an index scan
 * of the price table per request, no cache), against a route of the same server doing
 * only `SELECT 1` on a raw pool of the same size: the ratio is what as-of reading costs beyond a
 * database round trip. The price table holds 30 days of 5-minute prices, each created
 * just after its interval closed, as the runtime writes them.
 */
export const httpAsof: Benchmark<HttpSize> = {
  ...httpPlan('http-asof', 'requests', 'SELECT 1'),
  description: 'GET a price with asof= vs a route doing only SELECT 1, same server, pools of one size',
  async prepare(size) {
    const bench = await startBenchServer((app, raw) => {
      app.get('/bench/select1', async () => (await raw.query('SELECT 1 AS one')).rows[0]);
    });
    const db = bench.db;
    const resourceId = (await db.resource.find({ system_id: await db.systemId(), name: 'capacity' }))!;
    const t0 = Date.now() - (INTERVALS + 1) * 300_000;
    // Written raw: each price is created just after its interval, which no TESS write does.
    await bench.raw.query(
      `INSERT INTO price (resource_id, interval_start, interval_seconds, price, quantity, type, created)
       SELECT $1, s, 300, 20 + (k % 50), 100 + (k % 7), 'PRICE', s + interval '302 seconds'
         FROM generate_series(0, $2 - 1) AS k, LATERAL (SELECT to_timestamp($3 / 1000.0 + k * 300)) AS t(s)`,
      [resourceId, INTERVALS, t0],
    );
    // Halfway through the history.
    const asof = new Date(t0 + (INTERVALS / 2) * 300_000 + 100_000).toISOString();
    const path = httpSide(
      'asof price',
      () => ({
        url: `${bench.url}/api/v1/prices/current?resource=capacity&asof=${encodeURIComponent(asof)}`,
      }),
      size,
    );
    const base = httpSide('SELECT 1', () => ({ url: `${bench.url}/bench/select1` }), size);
    return {
      path: path.side,
      baselines: [base.side],
      extra: async () => ({
        prices: INTERVALS,
        p50Ms: medianOf(path.runs.map((r) => r.p50)),
        p99Ms: medianOf(path.runs.map((r) => r.p99)),
        errors: [...path.runs, ...base.runs].reduce((s, r) => s + r.bad, 0),
      }),
      close: () => bench.close(),
    };
  },
};
