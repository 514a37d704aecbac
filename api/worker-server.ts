import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '../storage/index.js';
import { registry } from '../workers/metrics.js';

/**
 * What a `--role worker` process serves: /health for orchestrators and /metrics for
 * Prometheus (clearing durations and orders per interval live in worker processes).
 */
export async function buildWorkerServer(deps: {
  db: Database;
  redis: Redis;
  log: Logger;
}): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log }) as unknown as FastifyInstance;
  app.get('/health', async (_req, reply) => {
    const down: string[] = [];
    await deps.db.pool.query('SELECT 1').catch(() => down.push('postgres'));
    await deps.redis.ping().catch(() => down.push('redis'));
    if (down.length) {
      return reply.code(503).send({
        status: 'down',
        down,
        error: { code: 'UNAVAILABLE', message: `${down.join(' and ')} unreachable` },
      });
    }
    return { status: 'ok', role: 'worker' };
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  return app;
}
