import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { issueToken } from '../../storage/tokens.js';
import { openDatabase } from '../../storage/index.js';
import { tess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl, serverUrl } from '../helpers/server-url.js';

/**
 * ADMIN_EMAIL is what `tess start` seeds new systems' admin-email with; in production
 * (NODE_ENV=production, as in the Docker image) start refuses to run without it, in one
 * line, before it touches PostgreSQL or Redis.
 */

let db: TestDatabase;
const queue = redisPrefix();
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
  await queue.clean();
});

describe('tess start in production', () => {
  it('without ADMIN_EMAIL, or with a malformed one: one line, exit 1, no database created', async () => {
    const missing = `${inject('runPrefix')}missing_${randomBytes(4).toString('hex')}`;
    for (const [ADMIN_EMAIL, line] of [
      [
        '',
        'tess: ADMIN_EMAIL is required when NODE_ENV=production: the address new systems name as their administrator\n',
      ],
      ['ops', 'tess: ADMIN_EMAIL must be an email address (name@host), not "ops"\n'],
    ] as const) {
      // Private queue prefix and port, so that a start which failed to refuse leaves nothing behind.
      const r = await tess(['start'], {
        env: {
          NODE_ENV: 'production',
          ADMIN_EMAIL,
          DATABASE_URL: serverUrl(missing),
          REDIS_URL: redisUrl(),
          QUEUE_PREFIX: queue.prefix,
          HOST: '127.0.0.1',
          PORT: '0',
        },
        timeoutMs: 12_000,
      });
      expect(r.stderr).toBe(line);
      expect(r.code).toBe(1);
    }
    const admin = new pg.Client({ connectionString: serverUrl('postgres') });
    await admin.connect();
    try {
      const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [missing]);
      expect(rows).toEqual([]);
    } finally {
      await admin.end();
    }
  }, 30_000);

  it('with ADMIN_EMAIL, systems added over the API name it as their admin-email', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [fileURLToPath(new URL('../../cli/tess.js', import.meta.url)), 'start', '--role', 'api'],
      {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          ADMIN_EMAIL: 'grid-ops@utility.example.org',
          // Production also requires the credit-token key (gateway-settings.test.ts).
          CREDIT_TOKEN_KEY: 'k'.repeat(32),
          DATABASE_URL: db.url,
          REDIS_URL: redisUrl(),
          QUEUE_PREFIX: queue.prefix,
          HOST: '127.0.0.1',
          PORT: '0',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const handle = await openDatabase(db.url, { poolSize: 2 });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /TESS \(api\) listening on http:\/\/[^:]+:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        let err = '';
        child.stderr!.on('data', (d) => (err += d));
        void exited.then((code) => reject(new Error(`tess start exited ${code}: ${err}`)));
      });
      const systemId = await handle.systemId();
      const user = await handle.user.add({
        system_id: systemId,
        name: 'admin',
        role: 'ADMINISTRATOR',
        email: 'admin-test@example.org',
      });
      const { token } = await issueToken(handle, { userId: user.user_id });
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/systems`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'feeder-7' }),
      });
      expect(r.status).toBe(201);
      const added = (await r.json()) as { system_id: number };
      const id = await handle.config.find({ system_id: added.system_id, name: 'admin-email' });
      expect((await handle.config.get(id!))?.value).toBe('grid-ops@utility.example.org');
    } finally {
      child.kill('SIGTERM');
      await exited;
      await handle.close();
    }
  }, 30_000);
});
