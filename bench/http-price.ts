/**
 * Benchmark of GET /api/v1/prices/current (served from memory) against a bare route
 * returning a constant from the same server, with autocannon (100 connections, in a
 * worker thread). The two alternate over rounds after a warm-up; reported are the median
 * requests per second of each, their ratio and the latencies of the price route.
 *
 *   node --import tsx bench/http-price.ts [--quick]
 *
 * Also exports the pieces the other HTTP benchmarks share: a server on a fresh database
 * of its own (dropped at the end) and a measuring loop.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { buildServer } from '../api/server.js';
import { readSettings } from '../api/settings.js';
import { intervalStart } from '../engine/intervals.js';
import { ensureDatabase, quoteIdent } from '../storage/connection.js';
import { type Database, openDatabase } from '../storage/index.js';
import { migrate } from '../storage/migrations.js';
import { connectRedis } from '../workers/redis.js';

export interface HttpBenchFigures {
  readonly path: string;
  readonly baseline: string;
  /** Median over rounds of 2xx/304 answers per second. */
  readonly requestsPerSec: number;
  readonly baselineRequestsPerSec: number;
  /** requestsPerSec / baselineRequestsPerSec. */
  readonly ratio: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly baselineP99Ms: number;
  readonly connections: number;
  readonly rounds: number;
  readonly secondsPerRound: number;
  /** Answers that were not 2xx (should be 0). */
  readonly errors: number;
}

const server = (database: string): string => {
  const base =
    process.env['BENCH_DATABASE_URL'] ||
    process.env['DATABASE_URL'] ||
    'postgres://postgres@127.0.0.1:5432/postgres';
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
};

export interface BenchServer {
  readonly app: FastifyInstance;
  readonly db: Database;
  readonly redis: Redis;
  readonly url: string;
  readonly databaseUrl: string;
  close(): Promise<void>;
}

/**
 * A TESS server on a fresh migrated database of its own, listening on a free port.
 * `extend` registers the benchmark's own baseline routes (never production routes).
 */
export async function startBenchServer(
  extend: (app: FastifyInstance, db: Database) => void,
): Promise<BenchServer> {
  const name = `tess_bench_http_${randomBytes(4).toString('hex')}`;
  const databaseUrl = server(name);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, { kind: 'up' });
  const db = await openDatabase(databaseUrl, { system: 'bench', poolSize: 16 });
  const redisUrl = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
  const redis = await connectRedis(redisUrl);
  const subscriber = await connectRedis(redisUrl);
  const app = await buildServer({
    settings: readSettings({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' }),
    db,
    redis,
    subscriber,
    // Every request comes from one address here.
    priceRateLimit: { max: 1e9, timeWindowMs: 60_000 },
  });
  extend(app, db);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    db,
    redis,
    url,
    databaseUrl,
    async close() {
      await app.close();
      subscriber.disconnect();
      redis.disconnect();
      await db.close();
      const admin = new pg.Client({ connectionString: server('postgres') });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export interface Load {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly bad: number;
}

/** One autocannon run, in a worker thread so that it does not share the server's event loop. */
export async function fire(load: Load, seconds: number, connections: number): Promise<Run> {
  const result = await autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    ...(load.headers ? { headers: load.headers } : {}),
    ...(load.body ? { body: load.body } : {}),
    connections,
    duration: seconds,
    workers: 1,
  });
  const ok = result['2xx'] + (result['3xx'] ?? 0);
  return {
    rps: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    bad: result.non2xx - (result['3xx'] ?? 0) + result.errors + result.timeouts,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Alternates path and baseline over rounds after a short warm-up of each. */
export async function compare(
  path: Load,
  baseline: Load,
  options: { quick: boolean; connections?: number },
): Promise<HttpBenchFigures & { pathRuns: Run[] }> {
  const connections = options.connections ?? 100;
  const rounds = options.quick ? 1 : 3;
  const seconds = options.quick ? 3 : 5;
  await fire(path, 1, connections);
  await fire(baseline, 1, connections);
  const a: Run[] = [];
  const b: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(await fire(path, seconds, connections));
    b.push(await fire(baseline, seconds, connections));
  }
  const rps = median(a.map((x) => x.rps));
  const base = median(b.map((x) => x.rps));
  return {
    path: new URL(path.url).pathname,
    baseline: new URL(baseline.url).pathname,
    requestsPerSec: Math.round(rps),
    baselineRequestsPerSec: Math.round(base),
    ratio: Number((rps / base).toFixed(3)),
    p50Ms: median(a.map((x) => x.p50)),
    p99Ms: median(a.map((x) => x.p99)),
    baselineP99Ms: median(b.map((x) => x.p99)),
    connections,
    rounds,
    secondsPerRound: seconds,
    errors: [...a, ...b].reduce((s, x) => s + x.bad, 0),
    pathRuns: a,
  };
}

export async function benchHttpPrice(opts: { quick: boolean }): Promise<HttpBenchFigures> {
  const bench = await startBenchServer((app) => {
    app.get('/bench/constant', async () => ({ price: 42.5 }));
  });
  try {
    // The latest cleared interval: the one before the interval now open.
    const systemId = await bench.db.systemId();
    const resourceId = (await bench.db.resource.find({ system_id: systemId, name: 'capacity' }))!;
    await bench.db.price.add({
      resource_id: resourceId,
      interval_start: new Date(intervalStart(new Date(), 300).getTime() - 300_000),
      interval_seconds: 300,
      price: 42.5,
      quantity: 1200,
      type: 'PRICE',
    });
    const { pathRuns: _runs, ...figures } = await compare(
      { url: `${bench.url}/api/v1/prices/current?resource=capacity` },
      { url: `${bench.url}/bench/constant` },
      opts,
    );
    return figures;
  } finally {
    await bench.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchHttpPrice({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
