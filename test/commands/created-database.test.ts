import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDemo } from '../../cli/demo/run-demo.js';
import { readSettings } from '../../cli/settings.js';
import { quoteIdent } from '../../storage/connection.js';
import { tess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl, serverUrl } from '../helpers/server-url.js';
import { startWorker } from '../helpers/worker-process.js';

/**
 * The commands that create a missing database say so, so that a mistyped name (`tesst`)
 * is visible rather than silently served empty. Each database here is new, named under
 * the run's prefix (the run's teardown drops it whatever happens) and dropped at the end.
 */

const names: string[] = [];
/** A name no database has yet. */
function fresh(): { name: string; url: string } {
  const name = `${inject('runPrefix')}new_${randomBytes(4).toString('hex')}`;
  names.push(name);
  return { name, url: serverUrl(name) };
}
const notice = (name: string) => `created database "${name}" (it did not exist)`;

let dir: string;
let source: TestDatabase;
const queue = redisPrefix();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tess-created-'));
  source = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all([source?.drop(), ...names.map(dropDatabase)]);
  await rm(dir, { recursive: true, force: true });
  await queue.clean();
});

/** Drops a database that a command under test created. */
async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

describe('a command that creates the database says so', () => {
  it('`tess migrate up`: the first line, and only when it did create it', async () => {
    const { name, url } = fresh();
    const first = await tess(['migrate', 'up'], { env: { DATABASE_URL: url } });
    expect(first.stderr).toBe('');
    expect(first.stdout.split('\n')[0]).toBe(notice(name));
    expect(first.stdout).toMatch(/\napplied 000001_/);
    const again = await tess(['migrate', 'up'], { env: { DATABASE_URL: url } });
    expect(again.stdout).not.toContain('created database');
  }, 60_000);

  it('`tess start`: in the start-up line', async () => {
    const { name, url } = fresh();
    const worker = startWorker(url, queue.prefix);
    try {
      const deadline = Date.now() + 30_000;
      let line: Record<string, unknown> | undefined;
      while (!line && Date.now() < deadline && worker.child.exitCode === null) {
        line = worker.lines.find((l) => /listening on/.test(String(l['msg'])));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(line?.['msg'], JSON.stringify(worker.lines)).toMatch(
        new RegExp(
          `^TESS \\(worker\\) listening on \\S+, storage: .*; ${notice(name).replace(/[()]/g, '\\$&')}$`,
        ),
      );
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
  }, 60_000);

  it('`tess load`: before the rows it loaded', async () => {
    const file = join(dir, 'source.tess');
    expect((await tess(['dump', file], { env: { DATABASE_URL: source.url } })).code).toBe(0);
    const { name, url } = fresh();
    const r = await tess(['load', file], { env: { DATABASE_URL: url } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      new RegExp(`^${notice(name).replace(/[()]/g, '\\$&')}\\nloaded \\d+ rows from `),
    );
  }, 60_000);

  it('`tess demo`: its first line', async () => {
    const { name, url } = fresh();
    const lines: string[] = [];
    await runDemo({
      settings: readSettings({
        DATABASE_URL: url,
        REDIS_URL: redisUrl(),
        PORT: '0',
        QUEUE_PREFIX: queue.prefix,
        LOG_LEVEL: 'error',
      }),
      devices: 2,
      intervalSeconds: 1,
      durationSeconds: 1,
      system: 'created-test',
      out: (line) => lines.push(line),
    });
    expect(lines[0]).toBe(notice(name));
  }, 60_000);
});
