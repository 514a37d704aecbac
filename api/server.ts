import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { newPool } from '../storage/connection.js';
import type { Settings } from './settings.js';

export interface ServerDeps {
  readonly settings: Settings;
  readonly redis: Redis;
}

export async function buildServer({ settings, redis }: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: settings.logLevel } });
  const pool = newPool(settings.databaseUrl, 4);
  app.addHook('onClose', async () => {
    await pool.end();
  });
  app.get('/health', async (_req, reply) => {
    const down: string[] = [];
    await pool.query('SELECT 1').catch(() => down.push('postgres'));
    await redis.ping().catch(() => down.push('redis'));
    if (down.length) {
      return reply.code(503).send({
        status: 'down',
        down,
        error: { code: 'UNAVAILABLE', message: `${down.join(' and ')} unreachable` },
      });
    }
    return { status: 'ok' };
  });
  return app;
}
