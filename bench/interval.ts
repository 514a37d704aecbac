import pino from 'pino';
import { clearMarketInterval, type IntervalOutcome } from '../workers/clear-market.js';
import { ClearingPool } from '../workers/pool.js';
import { createBenchDatabase } from './database.js';
import { createDevices, orderRows } from './fixtures.js';
import { type Benchmark, plan, spread, timed } from './harness.js';

/**
 * One interval of N orders from N devices, from boundary to commit (read, clear in a
 * thread, write with COPY), against the COPY rate of the same rows.
 */
export const interval: Benchmark<{ orders: number }> = {
  ...plan('interval', 'orders', [{ orders: 20_000 }, { orders: 100_000 }], [3, 5]),
  description: 'one interval of N orders from N devices, boundary to commit, vs COPY of the same rows',
  targets: [{ compare: 'rate', baseline: 'COPY', op: 'report', value: 0 }],
  async prepare({ orders }) {
    const bench = await createBenchDatabase();
    const owners = await createDevices(bench.db, orders);
    const [market] = await bench.db.listMarkets();
    const pool = new ClearingPool();
    const deps = { db: bench.db, pool, log: pino({ level: 'silent' }) };
    const seconds = 300;
    // Intervals in the future, so orders placed now count as placed during them.
    let next = Date.UTC(2100, 0, 1);
    const phases: IntervalOutcome['ms'][] = [];
    return {
      path: {
        name: 'interval',
        async run() {
          const from = new Date(next);
          const end = new Date(next + seconds * 1000);
          next += seconds * 1000;
          await bench.db.order.addMany(orderRows(owners, orders, from, next) as never);
          return timed(orders, async () => {
            const outcome = await clearMarketInterval(deps, { ...market!, created: new Date(0) }, from, end);
            if (!outcome.price) throw new Error('interval was not written');
            phases.push(outcome.ms);
          });
        },
      },
      baselines: [
        {
          name: 'COPY',
          async run() {
            // The ingest path (`db.order.addMany`) writing the same number of order rows.
            const rows = orderRows(owners, orders, new Date(Date.UTC(2200, 0, 1)), next);
            return timed(orders, () => bench.db.order.addMany(rows as never));
          },
        },
      ],
      extra: async () => ({
        phasesMs: {
          read: spread(phases.map((p) => p.read)).median,
          clear: spread(phases.map((p) => p.clear)).median,
          write: spread(phases.map((p) => p.write)).median,
        },
      }),
      async close() {
        await pool.close();
        await bench.drop();
      },
    };
  },
};
