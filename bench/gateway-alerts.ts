import { runAlertPass } from '../storage/index.js';
import { createBenchDatabase } from './database.js';
import { createVillage } from './gateway-village.js';
import { type Benchmark, plan, type Sample, spread, timed } from './harness.js';

const INTERVAL_MS = 300_000;

/**
 * The gateway's alert pass over N circuits of one village (each with an hour's log, some
 * without credit), run as the runtime runs it once per interval, against writing the same
 * number of log rows with COPY. The pass must fit in one interval (300 s).
 */
export const gatewayAlerts: Benchmark<{ circuits: number }> = {
  ...plan('gateway-alerts', 'circuits', [{ circuits: 1_000 }, { circuits: 10_000 }], [3, 3]),
  description:
    'the gateway alert pass over N circuits, vs COPY of N log rows; must fit in one 300-s interval',
  targets: [{ compare: 'rate', baseline: 'COPY logs', op: 'report', value: 0 }],
  async prepare({ circuits }) {
    const bench = await createBenchDatabase();
    const { db } = bench;
    const { systemId, circuitIds } = await createVillage(db, circuits, { power_max: 1000, energy_max: 5000 });
    const hour = Date.now() - 3_600_000;
    const logs = (start: number) =>
      circuitIds.map((id, i) => ({
        circuit_id: id,
        period_start: new Date(start),
        period_end: new Date(start + 3_600_000),
        watthours: (i % 97) * 10,
      }));
    await db.primary_log.addMany(logs(hour));
    let round = 0;
    let copyRound = 0;
    const passes: number[] = [];
    return {
      path: {
        name: 'alert pass',
        async run(): Promise<Sample> {
          const now = new Date(Date.now() + ++round * INTERVAL_MS);
          const sample = await timed(circuits, () => runAlertPass(db, systemId, now));
          passes.push(sample.ms);
          return sample;
        },
      },
      baselines: [
        {
          name: 'COPY logs',
          async run() {
            const rows = logs(hour - ++copyRound * 3_600_000);
            return timed(circuits, () => db.primary_log.addMany(rows));
          },
        },
      ],
      async checks() {
        const median = spread(passes).median;
        return {
          'pass ms within one interval': {
            value: median,
            op: '<',
            limit: INTERVAL_MS,
            met: median < INTERVAL_MS,
          },
        };
      },
      close: () => bench.drop(),
    };
  },
};
