import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../http/server.js';
import { readSettings } from '../../cli/settings.js';
import { buildWorkerServer } from '../../http/worker-server.js';
import { connectRedis } from '../../workers/redis.js';
import type { Runtime } from '../../workers/runtime.js';
import { createMarket, waitFor } from '../helpers/market.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl } from '../helpers/server-url.js';

const t = useDatabase();
const prefix = redisPrefix();
let redis: Redis;
let api: FastifyInstance;
let worker: FastifyInstance;
let runtime: Runtime | undefined;

beforeAll(async () => {
  redis = await connectRedis(redisUrl());
  // The API role: no runtime in this server, only the database to read.
  api = await buildServer({
    settings: readSettings({ DATABASE_URL: t.test.url, REDIS_URL: redisUrl(), LOG_LEVEL: 'silent' }),
    db: t.db,
    redis,
  });
  worker = await buildWorkerServer({ db: t.db, redis, log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await runtime?.stop();
  await api?.close();
  await worker?.close();
  redis?.disconnect();
  await prefix.clean();
});

const startRuntime = () => startTestRuntime(t.db, prefix.prefix, { log: pino({ level: 'silent' }) });

async function health(app: FastifyInstance) {
  const r = await app.inject({ method: 'GET', url: '/health' });
  return { status: r.statusCode, body: r.json() };
}

describe('/health and clearing on time', () => {
  it('503 naming the market whose clearing is more than one interval late, in the API and worker roles; 200 when on time', async () => {
    const market = await createMarket(t.db, 'tardy', 1, 2);
    // Off the market from the start: never cleared, never late.
    const idle = await createMarket(t.db, 'idle', 1, 2);
    await t.db.config.set({ system_id: idle.systemId, name: 'mechanism', value: 'NONE' });
    runtime = await startRuntime();
    await waitFor('a price', async () => {
      const { rows } = await t.db.sql.query('SELECT 1 FROM price WHERE resource_id = $1', [
        market.resourceId,
      ]);
      return rows.length > 0;
    });
    // On time while the runtime runs: both roles say so together (waited for, since on a
    // loaded machine a 1-s market can be a moment late between two clearings).
    const onTime = await waitFor('/health 200 in both roles', async () => {
      const [a, w] = [await health(api), await health(worker)];
      return a.status === 200 && w.status === 200 && { a, w };
    });
    expect(onTime.a).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(onTime.w).toEqual({ status: 200, body: { status: 'ok', role: 'worker' } });

    // Nothing clears any more: within two intervals the market is late.
    await runtime.stop();
    runtime = undefined;
    const late = await waitFor('/health 503', async () => {
      const h = await health(api);
      return h.status === 503 && h;
    });
    expect(late.body.error.code).toBe('UNAVAILABLE');
    expect(late.body.error.message).toMatch(
      /^clearing is late: tardy\/capacity \(interval \S+ not cleared, \d+ s past its end; interval 1 s\)$/,
    );
    expect(late.body.error.message).not.toContain('idle');
    expect(await health(worker)).toMatchObject({
      status: 503,
      body: { status: 'degraded', late: ['tardy/capacity'], error: { code: 'UNAVAILABLE' } },
    });

    // Clearing again: on time once the runtime caught up.
    runtime = await startRuntime();
    await waitFor(
      '/health 200 in both roles',
      async () => (await health(api)).status === 200 && (await health(worker)).status === 200,
    );
  }, 40_000);
});
