import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl } from '../helpers/server-url.js';

/**
 * An address `tess start` cannot listen on is the user's setting to change. A second
 * `npm start` while the first holds the port: one line naming the port and the PORT
 * setting, exit 1, and the process is gone (the CLI helper kills it with SIGKILL at
 * its time limit, which would show as code null). The port is taken before the runtime
 * starts, so the refused process never joined the market's queues.
 */

let db: TestDatabase;
let busy: Server;
let port: number;
const queue = redisPrefix();

beforeAll(async () => {
  db = await createTestDatabase();
  // Listening on every address, as a first `npm start` with the default HOST does.
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, resolve));
  port = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve));
  await db?.drop();
  await queue.clean();
});

async function queueKeys(): Promise<string[]> {
  const redis = new Redis(redisUrl());
  try {
    return await redis.keys(`${queue.prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

describe('tess start on a port in use', () => {
  it.each(['all', 'api', 'worker'])(
    '--role %s: one line naming the port and PORT, exit 1',
    async (role) => {
      const r = await tess(['start', '--role', role], {
        env: {
          DATABASE_URL: db.url,
          REDIS_URL: redisUrl(),
          QUEUE_PREFIX: queue.prefix,
          PORT: String(port),
          HOST: '0.0.0.0',
        },
        timeoutMs: 25_000,
      });
      expect(r.stderr).toBe(
        `tess: port ${port} on 0.0.0.0 is in use (EADDRINUSE), probably by another TESS; ` +
          'stop it, or set PORT to a free port\n',
      );
      expect(r.code).toBe(1);
      expect(await queueKeys()).toEqual([]);
    },
    30_000,
  );
});

describe('tess start on a HOST that is not this machine', () => {
  it.each([
    ['192.0.2.1', 'EADDRNOTAVAIL'],
    ['no-such-host.invalid', 'ENOTFOUND'],
  ])(
    '%s: one line naming HOST, exit 1',
    async (host, code) => {
      const r = await tess(['start', '--role', 'api'], {
        env: {
          DATABASE_URL: db.url,
          REDIS_URL: redisUrl(),
          QUEUE_PREFIX: queue.prefix,
          PORT: '0',
          HOST: host,
        },
        timeoutMs: 25_000,
      });
      expect(r.stderr).toBe(
        `tess: HOST ${host} is not an address of this machine (${code}); set HOST to one, or to 0.0.0.0\n`,
      );
      expect(r.code).toBe(1);
    },
    30_000,
  );
});
