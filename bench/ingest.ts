import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeValue } from './copy-text.js';
import { TABLES } from '../storage/index.js';
import { createBenchDatabase } from './database.js';
import { createDevices, orderRows } from './fixtures.js';
import { type Benchmark, plan, timed } from './harness.js';
import { psql } from './psql.js';

const COLUMNS = ['device_id', 'resource_id', 'interval_start', 'side', 'quantity', 'price'] as const;

const psqlCopy = (url: string, file: string) =>
  psql(url, [`\\copy "order" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) from '${file}'`]);

/**
 * The storage COPY path (`db.order.addMany`: validation, encoding, COPY in one
 * transaction) writing N order rows, against psql's own \copy of the same rows from a
 * file, and against multi-row INSERT statements of 1,000 rows. The table is emptied
 * (a logged non-conformant TRUNCATE) before each run so every run starts alike.
 */
export const ingest: Benchmark<{ rows: number }> = {
  ...plan('ingest', 'rows', [{ rows: 100_000 }, { rows: 1_000_000 }], [3, 3]),
  description: 'COPY path writing N order rows vs psql \\copy of the same rows vs multi-row INSERT',
  targets: [
    { compare: 'rate', baseline: 'psql \\copy', op: '>=', value: 0.8 },
    { compare: 'rate', baseline: 'INSERT', op: '>=', value: 5 },
  ],
  async prepare({ rows: n }) {
    const bench = await createBenchDatabase();
    const owners = await createDevices(bench.db, 1000);
    const rows = orderRows(owners, n, new Date('2030-01-01T00:00:00Z'));
    const file = join(tmpdir(), `${bench.name}.copy`);
    const kinds = COLUMNS.map((c) => TABLES.order.columns.find((col) => col.name === c)!.kind);
    await writeFile(
      file,
      rows.map((r) => COLUMNS.map((c, j) => encodeValue(r[c], kinds[j]!)).join('\t')).join('\n') + '\n',
    );
    const empty = () =>
      bench.db.nonconformant(
        { event: 'DELETE', table: 'order', message: 'benchmark: empty the table between runs' },
        (c) => c.query('TRUNCATE "order"'),
      );
    return {
      path: {
        name: 'addMany (COPY)',
        async run() {
          await empty();
          return timed(n, () => bench.db.order.addMany(rows as never));
        },
      },
      baselines: [
        {
          name: 'psql \\copy',
          async run() {
            await empty();
            return timed(n, () => psqlCopy(bench.url, file));
          },
        },
        {
          name: 'INSERT',
          async run() {
            await empty();
            return timed(n, async () => {
              const client = await bench.raw.connect();
              try {
                await client.query('BEGIN');
                for (let at = 0; at < n; at += 1000) {
                  const batch = rows.slice(at, at + 1000);
                  const values: unknown[] = [];
                  const tuples = batch.map((r) => {
                    const base = values.length;
                    for (const c of COLUMNS) values.push(r[c]);
                    return `(${COLUMNS.map((_, j) => `$${base + j + 1}`).join(', ')})`;
                  });
                  await client.query(
                    `INSERT INTO "order" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`,
                    values,
                  );
                }
                await client.query('COMMIT');
              } finally {
                client.release();
              }
            });
          },
        },
      ],
      async close() {
        await rm(file, { force: true });
        await bench.drop();
      },
    };
  },
};
