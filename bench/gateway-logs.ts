import { type PrimaryLogInput, writeLogs } from '../storage/index.js';
import { createBenchDatabase } from './database.js';
import { createVillage } from './gateway-village.js';
import { type Benchmark, plan, timed } from './harness.js';

/** Rows one meter posts at most per request (the API's limit). */
const POST_ROWS = 10_000;
const PERIOD_MS = 300_000;

/**
 * N circuits posting an hour of 5-minute primary logs (12 rows each), written as the API
 * writes a meter's posts (`writeLogs`: idempotent bulk INSERT, 10,000 rows a post), against
 * COPY of the same number of log rows (`addMany`, the ingest path) in the same run.
 */
export const gatewayLogs: Benchmark<{ circuits: number }> = {
  ...plan('gateway-logs', 'rows', [{ circuits: 1_000 }, { circuits: 10_000 }], [3, 3]),
  description:
    "N circuits' hour of 5-minute logs through the meters' idempotent bulk write vs COPY of as many log rows",
  targets: [{ compare: 'rate', baseline: 'COPY logs', op: '>=', value: 0.5 }],
  async prepare({ circuits }) {
    const bench = await createBenchDatabase();
    const { db } = bench;
    const { circuitIds } = await createVillage(db, circuits);
    // Each round logs a later hour, so every row is new (as a day of posts would be).
    let hour = Date.UTC(2030, 0, 1);
    const rowsOfHour = (start: number): PrimaryLogInput[] =>
      circuitIds.flatMap((id, i) =>
        Array.from({ length: 12 }, (_, k) => ({
          label: `row ${i * 12 + k}`,
          circuit_id: id,
          period_start: new Date(start + k * PERIOD_MS),
          period_end: new Date(start + (k + 1) * PERIOD_MS),
          watthours: ((i + k) % 50) * 1.5,
          power_peak: null,
          reported_credit: null,
        })),
      );
    return {
      path: {
        name: 'meter posts',
        async run() {
          hour += 3_600_000;
          const rows = rowsOfHour(hour);
          return timed(rows.length, async () => {
            for (let i = 0; i < rows.length; i += POST_ROWS)
              await writeLogs(db, rows.slice(i, i + POST_ROWS), []);
          });
        },
      },
      baselines: [
        {
          name: 'COPY logs',
          async run() {
            hour += 3_600_000;
            const rows = rowsOfHour(hour).map(({ label: _, ...row }) => row);
            return timed(rows.length, () => db.primary_log.addMany(rows));
          },
        },
      ],
      close: () => bench.drop(),
    };
  },
};
