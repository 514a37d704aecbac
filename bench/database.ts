import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase, quoteIdent } from '../storage/index.js';
import { type Database, openDatabase, type StorageMode } from '../storage/index.js';
import { migrate, TESS_TYPES, TIMESCALEDB_CHOICES, type TimescaleChoice } from '../storage/index.js';

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

/** The benchmark server's version (`SHOW server_version`). */
export async function benchServerVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: benchServerUrl('postgres') });
  try {
    await client.connect();
    return (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end().catch(() => {});
  }
}

export const benchRedisUrl = (): string => process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  readonly db: Database;
  /** The storage the database runs on (TimescaleDB or plain PostgreSQL). */
  readonly mode: StorageMode;
  /**
   * The raw baseline: plain pg connections to the same database (parsing values as TESS
   * does), for what a benchmark compares TESS with (a primary-key SELECT, `SELECT 1`,
   * a multi-row INSERT) and for setup TESS has no operation for (ANALYZE, a refresh of
   * the aggregates, rows written with a chosen `created`). What a benchmark measures of
   * TESS goes through `db`. Connects on first use; closed by drop().
   */
  readonly raw: pg.Pool;
  drop(): Promise<void>;
}

/**
 * Runs `fn` (a benchmark's prepare) on a fresh migrated database, dropping it when `fn`
 * fails; on success the benchmark's close() drops it.
 */
export async function onBenchDatabase<T>(
  fn: (bench: BenchDatabase) => Promise<T>,
  options: { poolSize?: number } = {},
): Promise<T> {
  const bench = await createBenchDatabase(options);
  try {
    return await fn(bench);
  } catch (err) {
    await bench.drop();
    throw err;
  }
}

/** A fresh migrated database for one benchmark, dropped afterwards. */
export async function createBenchDatabase(options: { poolSize?: number } = {}): Promise<BenchDatabase> {
  const name = `tess_bench_${randomBytes(4).toString('hex')}`;
  const url = benchServerUrl(name);
  await ensureDatabase(url);
  await migrate(url, { kind: 'up' }, { timescaledb: benchTimescale() });
  const poolSize = options.poolSize ?? 10;
  const db = await openDatabase(url, { system: 'bench', poolSize });
  const mode = await db.storageMode().catch(async (err) => {
    await db.close();
    throw err;
  });
  const raw = new pg.Pool({ connectionString: url, max: poolSize, types: TESS_TYPES });
  return {
    url,
    name,
    db,
    mode,
    raw,
    async drop() {
      await raw.end();
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
