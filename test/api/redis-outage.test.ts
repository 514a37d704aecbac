import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Directory } from '../../http/directory.js';
import { buildServer } from '../../http/server.js';
import { readSettings } from '../../cli/settings.js';
import { connectRedis } from '../../workers/redis.js';
import { useDatabase } from '../helpers/open.js';
import { call, type People, seedPeople } from './helpers.js';

// A Redis of this file's own, stopped under a running API: changes that commit while it
// is down are answered as committed, without waiting on it.
const t = useDatabase({ system: `redis_outage_${process.pid}` });
let redisServer: ChildProcess | undefined;
let url: string;
let redis: Redis;
let subscriber: Redis;
let app: FastifyInstance;
let p: People;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function startRedis(): Promise<void> {
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redisServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    try {
      (await connectRedis(url)).disconnect();
      return;
    } catch (err) {
      if (i >= 50 || redisServer.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function stopRedis(): Promise<void> {
  const server = redisServer;
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  await startRedis();
  redis = await connectRedis(url);
  subscriber = await connectRedis(url);
  app = await buildServer({
    settings: readSettings({ DATABASE_URL: t.test.url, REDIS_URL: url, LOG_LEVEL: 'silent' }),
    db: t.db,
    redis,
    subscriber,
  });
  await app.ready();
  p = await seedPeople(t.db);
});
afterAll(async () => {
  await app?.close();
  subscriber?.disconnect();
  redis?.disconnect();
  await stopRedis();
});

describe('with Redis down, changes that committed are answered as committed', () => {
  it('token revocation and writes of users, devices and config answer 2xx and apply here at once', async () => {
    const admin = { token: p.tokens.admin };
    // Cached while Redis was up.
    expect((await call(app, 'GET', '/api/v1/devices', { token: p.tokens.customer })).statusCode).toBe(200);
    await stopRedis();
    await vi.waitFor(() => expect(redis.status).not.toBe('ready'), { timeout: 10_000, interval: 20 });

    const token = await call(app, 'POST', '/api/v1/tokens', {
      ...admin,
      body: { user_id: p.customer.user_id },
    });
    expect(token.statusCode, token.body).toBe(201);
    const revoked = await call(app, 'PUT', '/api/v1/tokens', {
      ...admin,
      body: { unique_id: token.data.unique_id, is_valid: false },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const refused = await call(app, 'GET', '/api/v1/devices', { token: token.data.token });
    expect(refused.statusCode).toBe(401);
    expect(refused.data.error.message).toBe('the bearer token has been revoked');

    const user = await call(app, 'PUT', '/api/v1/users', {
      ...admin,
      body: { email: p.operator.email, role: 'CUSTOMER' },
    });
    expect(user.statusCode, user.body).toBe(200);
    // The role change applies at once here: the operator may no longer read the log.
    expect((await call(app, 'GET', '/api/v1/log', { token: p.tokens.operator })).statusCode).toBe(403);
    const device = await call(app, 'PUT', '/api/v1/devices', {
      ...admin,
      body: { unique_id: p.device.unique_id, name: 'renamed' },
    });
    expect(device.statusCode, device.body).toBe(200);
    const added = await call(app, 'POST', '/api/v1/devices', {
      ...admin,
      body: { user_id: p.customer.user_id, name: 'plug' },
    });
    expect(added.statusCode, added.body).toBe(201);
    const config = await call(app, 'POST', '/api/v1/config', {
      ...admin,
      body: { name: 'note', value: 'x' },
    });
    expect(config.statusCode, config.body).toBe(201);
    const changed = await call(app, 'PUT', '/api/v1/config', {
      ...admin,
      body: { name: 'note', value: 'y' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    // Every change committed.
    const valid = await t.db.token.get((await t.db.token.find({ unique_id: token.data.unique_id }))!);
    expect(valid!.is_valid).toBe(false);
  });

  it('a publish that fails is reported to the logger given', async () => {
    await stopRedis();
    const warnings: string[] = [];
    const directory = new Directory(t.db, redis, undefined);
    await directory.invalidate({ warn: (message) => warnings.push(message) });
    await vi.waitFor(() => expect(warnings.length).toBe(1), { timeout: 30_000, interval: 50 });
    expect(warnings[0]).toMatch(
      /^cache invalidation not published \(.+\): other API processes see the change within 30 s$/,
    );
  });
});
