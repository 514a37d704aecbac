/**
 * The pieces the HTTP benchmarks share: a TESS server on a fresh database of its own
 * (dropped at the end), and one autocannon run in a worker thread, so the load does not
 * share the server's event loop.
 */
import autocannon from 'autocannon';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildServer } from '../http/server.js';
import { readSettings } from '../cli/settings.js';
import type { Database } from '../storage/index.js';
import { connectRedis } from '../workers/redis.js';
import { type BenchDatabase, benchRedisUrl, createBenchDatabase } from './database.js';
import type { Benchmark, Sample, Target } from './harness.js';

export interface BenchServer {
  readonly app: FastifyInstance;
  readonly db: Database;
  /** The raw baseline's connections to the server's database (bench/database.ts). */
  readonly raw: BenchDatabase['raw'];
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
  extend: (app: FastifyInstance, raw: BenchDatabase['raw']) => void,
): Promise<BenchServer> {
  const bench = await createBenchDatabase({ poolSize: 16 });
  const { db } = bench;
  const redisUrl = benchRedisUrl();
  const redis = await connectRedis(redisUrl);
  const subscriber = await connectRedis(redisUrl);
  const app = await buildServer({
    settings: readSettings({ DATABASE_URL: bench.url, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' }),
    db,
    redis,
    subscriber,
    // Every request comes from one address (and many from one token) here.
    priceRateLimit: { max: 1e9, timeWindowMs: 60_000 },
    routeRateLimit: {
      token: { max: 1e9, timeWindowMs: 60_000 },
      address: { max: 1e9, timeWindowMs: 60_000 },
    },
  });
  extend(app, bench.raw);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    db,
    raw: bench.raw,
    redis,
    url,
    databaseUrl: bench.url,
    async close() {
      await app.close();
      subscriber.disconnect();
      redis.disconnect();
      await bench.drop();
    },
  };
}

export interface Load {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Requests each connection sends in turn (e.g. one per device token), in place of one repeated. */
  readonly rotate?: readonly { readonly headers?: Record<string, string>; readonly body?: string }[];
}

export interface Run {
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
    ...(load.rotate ? { requests: load.rotate.map((r) => ({ ...r, method: load.method ?? 'GET' })) } : {}),
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

/** One side of an HTTP benchmark: an autocannon run as a harness sample, keeping its latencies. */
export function httpSide(name: string, load: () => Load, size: { seconds: number; connections: number }) {
  const runs: Run[] = [];
  return {
    runs,
    side: {
      name,
      async run(): Promise<Sample> {
        const r = await fire(load(), size.seconds, size.connections);
        runs.push(r);
        return { ms: size.seconds * 1000, units: r.ok };
      },
    },
  };
}

export const medianOf = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const HTTP_SIZES = {
  quick: { seconds: 2, connections: 100 },
  full: { seconds: 5, connections: 100 },
};

/**
 * The head of an HTTP benchmark: autocannon runs of 2 s (quick) or 5 s at 100
 * connections, 2 rounds or 3, and the path's rate against `baseline`'s (reported, or
 * held to `target`).
 */
export function httpPlan(
  name: string,
  unit: string,
  baseline: string,
  target: Pick<Target, 'op' | 'value'> = { op: 'report', value: 0 },
): Pick<Benchmark<HttpSize>, 'name' | 'unit' | 'sizes' | 'rounds' | 'targets'> {
  return {
    name,
    unit,
    sizes: HTTP_SIZES,
    rounds: { quick: 2, full: 3 },
    targets: [{ compare: 'rate', baseline, ...target }],
  };
}

export type HttpSize = { seconds: number; connections: number };
