import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '../storage/index.js';
import { describeLateness, lateMarkets } from '../workers/lateness.js';
import { registry } from '../workers/metrics.js';

/**
 * What a `--role worker` process serves: /health for orchestrators (503 when PostgreSQL
 * or Redis is down, or a market's clearing is late) and /metrics for Prometheus (clearing
 * durations and orders per interval live in worker processes).
 */
export async function buildWorkerServer(deps: {
  db: Database;
  redis: Redis;
  log: Logger;
  /** The clock. @defaultValue Date.now */
  now?: () => number;
}): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log }) as unknown as FastifyInstance;
  const now = deps.now ?? Date.now;
  app.get('/health', async (_req, reply) => {
    const down: string[] = [];
    await deps.db.ping().catch(() => down.push('postgres'));
    await deps.redis.ping().catch(() => down.push('redis'));
    if (down.length) {
      return reply.code(503).send({
        status: 'down',
        down,
        error: { code: 'UNAVAILABLE', message: `${down.join(' and ')} unreachable` },
      });
    }
    const at = now();
    const late = await lateMarkets(deps.db, at);
    if (late.length) {
      return reply.code(503).send({
        status: 'degraded',
        late: late.map((m) => `${m.system}/${m.resource}`),
        error: { code: 'UNAVAILABLE', message: describeLateness(late, at) },
      });
    }
    return { status: 'ok', role: 'worker' };
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  return app;
}
