import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Histogram } from 'prom-client';
import { ErrorCode } from './error-codes.js';
import type { Database } from '../storage/index.js';
import { describeLateness, lateMarkets } from '../workers/lateness.js';
import { registry } from '../workers/metrics.js';
import { sendError } from './errors.js';
import { describeStorage, type StorageMode } from '../storage/index.js';

const requestSeconds = new Histogram({
  name: 'tess_http_request_duration_seconds',
  help: 'HTTP request latency by method, route and status',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

const HEALTH_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Request latency of every route into the shared registry. */
export function installRequestMetrics(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    requestSeconds.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/** Whether an Authorization header is `Bearer <token>`, compared in constant time. */
function bearerIs(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * GET /health (database and Redis answer and every market clears on time, else 503
 * naming what is down or late) and GET /metrics (Prometheus). Lateness is read from the
 * database, so an API process without a runtime sees workers that stopped clearing.
 * With `metricsToken` (METRICS_TOKEN), /metrics answers only `Authorization: Bearer
 * <metricsToken>`: its figures (routes, rates, market timings) are the operator's.
 */
export function registerHealth(
  app: FastifyInstance,
  db: Database,
  redis: Redis,
  storage: StorageMode,
  options: { metricsToken?: string; now?: () => number } = {},
): void {
  const now = options.now ?? Date.now;
  const metricsToken = options.metricsToken ?? '';
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'database and Redis reachable, markets clearing on time; which storage runs',
      },
    },
    async (_req, reply) => {
      const down: string[] = [];
      await Promise.all([
        within(db.ping(), HEALTH_TIMEOUT_MS).catch(() => down.push('postgres')),
        within(redis.ping(), HEALTH_TIMEOUT_MS).catch(() => down.push('redis')),
      ]);
      if (down.length) {
        down.sort();
        return sendError(reply.code(503), ErrorCode.UNAVAILABLE, `${down.join(' and ')} unreachable`);
      }
      const at = now();
      const late = await within(lateMarkets(db, at), HEALTH_TIMEOUT_MS).catch(() => null);
      if (late === null) return sendError(reply.code(503), ErrorCode.UNAVAILABLE, 'postgres unreachable');
      if (late.length) return sendError(reply.code(503), ErrorCode.UNAVAILABLE, describeLateness(late, at));
      return { status: 'ok', storage: describeStorage(storage) };
    },
  );
  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
    async (request, reply) => {
      if (metricsToken && !bearerIs(request.headers.authorization, metricsToken)) {
        reply.header('www-authenticate', 'Bearer');
        return sendError(
          reply,
          ErrorCode.UNAUTHORIZED,
          '/metrics needs Authorization: Bearer <METRICS_TOKEN>',
        );
      }
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
