/**
 * Benchmark of an as-of price read, GET /api/v1/prices/current?resource=capacity&asof=T
 * (one index scan of the price table per request, no cache), against a route of the same
 * server doing only `SELECT 1` on the same pool: the ratio is what as-of reading costs
 * beyond a database round trip. The price table holds 30 days of 5-minute prices, each
 * written (created) just after its interval closed, as the runtime writes them.
 *
 *   node --import tsx bench/http-asof.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import { compare, type HttpBenchFigures, startBenchServer } from './http-price.js';

const INTERVALS = 30 * 288;

export async function benchHttpAsof(opts: {
  quick: boolean;
}): Promise<HttpBenchFigures & { prices: number }> {
  const bench = await startBenchServer((app, db) => {
    app.get('/bench/select1', async () => {
      const { rows } = await db.pool.query('SELECT 1 AS one');
      return rows[0];
    });
  });
  try {
    const db = bench.db;
    const systemId = await db.systemId();
    const resourceId = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
    // History as the runtime writes it: each price created just after its interval closed.
    const t0 = Date.now() - (INTERVALS + 1) * 300_000;
    await db.pool.query(
      `INSERT INTO price (resource_id, interval_start, interval_seconds, price, quantity, type, created)
       SELECT $1, s, 300, 20 + (k % 50), 100 + (k % 7), 'PRICE', s + interval '302 seconds'
         FROM generate_series(0, $2 - 1) AS k, LATERAL (SELECT to_timestamp($3 / 1000.0 + k * 300)) AS t(s)`,
      [resourceId, INTERVALS, t0],
    );
    // Halfway through the history.
    const asof = new Date(t0 + (INTERVALS / 2) * 300_000 + 100_000).toISOString();
    const { pathRuns: _runs, ...figures } = await compare(
      { url: `${bench.url}/api/v1/prices/current?resource=capacity&asof=${encodeURIComponent(asof)}` },
      { url: `${bench.url}/bench/select1` },
      opts,
    );
    return { ...figures, prices: INTERVALS };
  } finally {
    await bench.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchHttpAsof({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
