/**
 * Benchmark of POST /api/v1/orders: device tokens placing orders at 100 connections
 * (autocannon in a worker thread), each answered once its group-commit batch is
 * committed. Reported are durable orders per second (answers 202, checked against the
 * rows in the database afterwards), latencies, and the same server's bare constant route
 * for scale.
 *
 *   node --import tsx bench/http-order.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import { issueToken } from '../api/http/tokens.js';
import { compare, type HttpBenchFigures, startBenchServer } from './http-price.js';

export interface HttpOrderFigures extends HttpBenchFigures {
  /** Orders answered 202 in the measured rounds. */
  readonly accepted: number;
  /** Rows in the order table afterwards (every accepted order, warm-up included). */
  readonly stored: number;
  /** Accepted orders (warm-up included) per row stored: 1 when every answer was durable. */
  readonly durable: boolean;
  /** Rows per COPY batch on average. */
  readonly averageBatch: number;
}

export async function benchHttpOrder(opts: { quick: boolean }): Promise<HttpOrderFigures> {
  const bench = await startBenchServer((app) => {
    app.get('/bench/constant', async () => ({ ok: true }));
  });
  try {
    const db = bench.db;
    const systemId = await db.systemId();
    const user = await db.user.add({ system_id: systemId, name: 'bench', email: 'bench@example.org' });
    const device = await db.device.add({ user_id: user.user_id, name: 'bench device' });
    const { token } = await issueToken(db, { deviceId: device.device_id });
    const figures = await compare(
      {
        url: `${bench.url}/api/v1/orders`,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ resource: 'capacity', side: 'buy', quantity: 5, price: 42.5 }),
      },
      { url: `${bench.url}/bench/constant` },
      opts,
    );
    const { pathRuns, ...rest } = figures;
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS batches FROM "order"',
    );
    const accepted = pathRuns.reduce((s, r) => s + r.ok, 0);
    return {
      ...rest,
      accepted,
      stored: rows[0].n,
      durable: rows[0].n >= accepted && rest.errors === 0,
      averageBatch: Math.round(rows[0].n / Math.max(1, rows[0].batches)),
    };
  } finally {
    await bench.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchHttpOrder({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
