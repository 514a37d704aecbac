import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { csvSeriesRows, DATASETS } from '../engine/datasets/index.js';
import { importDataset } from '../storage/index.js';
import { createBenchDatabase } from './database.js';
import { type Benchmark, plan, timed } from './harness.js';
import { psql } from './psql.js';

const SITE = 'bench_site';
const COLUMNS = ['start_ts', 'end_ts', 'air_temperature', 'solar_radiation', 'wind_speed'];

/** N five-minute weather rows from 2030-01-01 as CSV text, each line prefixed by `prefix`. */
function weatherCsv(n: number, prefix: string): string {
  const t0 = Date.UTC(2030, 0, 1);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const start = new Date(t0 + i * 300_000).toISOString();
    const end = new Date(t0 + (i + 1) * 300_000).toISOString();
    const hour = (i / 12) % 24;
    const temperature = (8 + 6 * Math.sin(((hour - 9) * Math.PI) / 12)).toFixed(2);
    const sun = Math.max(0, 800 * Math.sin(((hour - 6) * Math.PI) / 12)).toFixed(1);
    const wind = (3 + (i % 17) / 4).toFixed(2);
    lines.push(`${prefix}${start},${end},${temperature},${sun},${wind}`);
  }
  return `${lines.join('\n')}\n`;
}

/** psql's \copy of a CSV file into the weather series, in one transaction that first opens its dataset. */
const psqlCopy = (url: string, file: string, datasetId: string) =>
  psql(
    url,
    [
      `INSERT INTO weather.metadata (dataset_id, site_id) VALUES ('${datasetId}', '${SITE}')`,
      `\\copy weather.observations (${['dataset_id', ...COLUMNS].map((c) => `"${c}"`).join(', ')}) from '${file}' with (format csv)`,
    ],
    { single: true },
  );

/**
 * `tess dataset import`'s path — a CSV file read as it streams, every row checked
 * (csv-records.ts, the row checks, the coverage tally) and COPYed into the series in one
 * transaction — against psql's \copy of the same rows (with the dataset id as a first
 * field, which a CSV of a dataset does not carry) into the same table, in a transaction
 * that adds the metadata first, as the import does. Both pay the database's own checks
 * (the row trigger, the overlap check at commit). The series is emptied (a logged
 * non-conformant TRUNCATE) before each run.
 */
export const datasetImport: Benchmark<{ rows: number }> = {
  ...plan('dataset-import', 'rows', [{ rows: 100_000 }, { rows: 1_000_000 }], [3, 3]),
  description: 'a CSV dataset imported (parsed, checked, COPY) vs psql \\copy of the same rows',
  targets: [{ compare: 'rate', baseline: 'psql \\copy', op: '>=', value: 0.7 }],
  async prepare({ rows: n }) {
    const bench = await createBenchDatabase();
    const systemId = await bench.db.systemId();
    const client = await bench.db.clients.add({ system_id: systemId, name: 'bench' });
    await bench.db.site_info.add({
      site_id: SITE,
      client_id: client.client_id,
      system_id: systemId,
      name: 'bench',
    });
    const file = join(tmpdir(), `${bench.name}.csv`);
    const copyFile = join(tmpdir(), `${bench.name}.copy.csv`);
    const fixedId = randomUUID();
    await writeFile(file, `${COLUMNS.join(',')}\n${weatherCsv(n, '')}`);
    await writeFile(copyFile, weatherCsv(n, `${fixedId},`));
    const empty = () =>
      bench.db.nonconformant(
        { event: 'DELETE', table: null, message: 'benchmark: empty the weather datasets between runs' },
        (c) => c.query('TRUNCATE weather.observations, weather.metadata'),
      );
    return {
      path: {
        name: 'tess dataset import',
        async run() {
          await empty();
          return timed(n, () =>
            importDataset(bench.db, {
              type: 'weather',
              siteId: SITE,
              systemId,
              rows: csvSeriesRows(DATASETS.weather, createReadStream(file)),
            }),
          );
        },
      },
      baselines: [
        {
          name: 'psql \\copy',
          async run() {
            await empty();
            return timed(n, () => psqlCopy(bench.url, copyFile, fixedId));
          },
        },
      ],
      async close() {
        await rm(file, { force: true });
        await rm(copyFile, { force: true });
        await bench.drop();
      },
    };
  },
};
