import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase, quoteIdent } from '../storage/index.js';
import { type Database, openDatabase } from '../storage/index.js';
import { migrate, TIMESCALEDB_CHOICES, type TimescaleChoice } from '../storage/index.js';

/** The server benchmarks use: BENCH_DATABASE_URL, else DATABASE_URL's server, else the local default. */
export function benchServerUrl(database: string): string {
  const base =
    process.env['BENCH_DATABASE_URL'] ||
    process.env['DATABASE_URL'] ||
    'postgres://postgres@127.0.0.1:5432/postgres';
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/** TIMESCALEDB=auto|on|off, as for `tess start`: which storage the benchmark databases use. */
export function benchTimescale(): TimescaleChoice {
  const choice = process.env['TIMESCALEDB'] || 'auto';
  if (!(TIMESCALEDB_CHOICES as readonly string[]).includes(choice)) {
    throw new Error(
      `TIMESCALEDB must be one of ${TIMESCALEDB_CHOICES.join(', ')}, not ${JSON.stringify(choice)}`,
    );
  }
  return choice as TimescaleChoice;
}

export const benchRedisUrl = (): string => process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  readonly db: Database;
  drop(): Promise<void>;
}

/** A fresh migrated database for one benchmark, dropped afterwards. */
export async function createBenchDatabase(options: { poolSize?: number } = {}): Promise<BenchDatabase> {
  const name = `tess_bench_${randomBytes(4).toString('hex')}`;
  const url = benchServerUrl(name);
  await ensureDatabase(url);
  await migrate(url, { kind: 'up' }, { timescaledb: benchTimescale() });
  const db = await openDatabase(url, { system: 'bench', poolSize: options.poolSize ?? 10 });
  return {
    url,
    name,
    db,
    async drop() {
      await db.close();
      const admin = new pg.Client({ connectionString: benchServerUrl('postgres') });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
