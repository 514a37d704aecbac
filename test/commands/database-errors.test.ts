import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadMigrations, migrate } from '../../storage/migrations.js';
import { type CliResult, tess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { redisUrl, serverUrl } from '../helpers/server-url.js';

/**
 * Every command that meets a database it cannot work on (missing, never migrated, partly
 * migrated, dirty) says so in one line on standard error and exits 1: no stack trace,
 * nothing created or written on the way. Each test spawns several `tess` processes (tsx
 * compiles on start), hence the longer time limits.
 */

const missingName = `${inject('runPrefix')}missing_${randomBytes(4).toString('hex')}`;
// A password, so the test sees it redacted (trust authentication ignores it).
const missingUrl = (() => {
  const u = new URL(serverUrl(missingName));
  if (!u.password) u.password = 'not-shown';
  return u.toString();
})();
let dir: string;
let latest: number;
let unmigrated: TestDatabase;
let partly: TestDatabase;
let dirty: TestDatabase;

async function query(url: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const created = async () =>
  (await query(serverUrl('postgres'), 'SELECT 1 FROM pg_database WHERE datname = $1', [missingName])).length >
  0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tess-db-errors-'));
  latest = (await loadMigrations()).at(-1)!.version;
  [unmigrated, partly, dirty] = await Promise.all([
    createTestDatabase({ empty: true }),
    createTestDatabase({ empty: true }),
    createTestDatabase(),
  ]);
  await migrate(partly.url, { kind: 'up', steps: 2 });
  // What a migration that failed part-way leaves behind.
  await query(dirty.url, 'UPDATE schema_migrations SET dirty = true');
});

afterAll(async () => {
  await Promise.all([unmigrated?.drop(), partly?.drop(), dirty?.drop()]);
  await rm(dir, { recursive: true, force: true });
});

function expectOneLine(r: CliResult, message: RegExp, what: string): void {
  expect(r.stderr, what).not.toMatch(/^ {4}at /m);
  expect(r.stderr, what).toMatch(/^tess: [^\n]+\n$/);
  expect(r.stderr, what).toMatch(message);
  expect(r.code, what).toBe(1);
  expect(r.stdout, what).toBe('');
}

/** Commands that work on an existing, migrated database and never migrate it. */
const needMigrated = (file: string): string[][] => [
  ['dump', file],
  ['token', 'create', '--admin'],
];

describe('a database that does not exist', () => {
  it('is named, redacted, with what to run, and not created', async () => {
    const file = join(dir, 'missing.tess');
    const commands = [
      ...needMigrated(file),
      ['migrate', 'version'],
      ['migrate', 'down', '1'],
      ['migrate', 'force', '1'],
    ];
    const results = await Promise.all(
      commands.map((args) => tess(args, { env: { DATABASE_URL: missingUrl } })),
    );
    for (const [i, r] of results.entries()) {
      const args = commands[i]!;
      expectOneLine(
        r,
        new RegExp(
          `^tess: database "${missingName}" does not exist at postgres://[^:]+:\\*\\*\\*@[^ ]+/${missingName}; ` +
            'run `tess migrate up` or `npm start` first\\n$',
        ),
        args.join(' '),
      );
      expect(r.stderr).not.toContain('not-shown');
    }
    expect(existsSync(file)).toBe(false);
    expect(await created()).toBe(false);
  }, 60_000);

  it('`tess load` of an unreadable file fails before creating it', async () => {
    const r = await tess(['load', join(dir, 'no-such.tess')], { env: { DATABASE_URL: missingUrl } });
    expectOneLine(r, /^tess: cannot read .*no-such\.tess: ENOENT\n$/, 'load');
    expect(await created()).toBe(false);
  });

  it('`tess clear` needs no database', async () => {
    const input = JSON.stringify({
      orders: [
        { id: 'b', side: 'buy', price: 40, quantity: 5 },
        { id: 's', side: 'sell', price: 30, quantity: 5 },
      ],
    });
    const r = await tess(['clear'], { env: { DATABASE_URL: missingUrl }, input });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ quantity: 5 });
  });
});

describe('a database that does not exist, for a role that may not create databases', () => {
  // Roles belong to the server, not a database: this one is dropped when the file ends.
  const role = `${inject('runPrefix')}nocreate`;
  const asRole = (() => {
    const u = new URL(missingUrl);
    u.username = role;
    return u.toString();
  })();
  beforeAll(() => query(serverUrl('postgres'), `CREATE ROLE ${role} LOGIN NOCREATEDB`));
  afterAll(() => query(serverUrl('postgres'), `DROP ROLE IF EXISTS ${role}`));

  it('every command that would create it says so in one line, and nothing is created', async () => {
    const file = join(dir, 'for-nocreate.tess');
    await writeFile(file, 'TESS-DUMP 1\n');
    const env = { DATABASE_URL: asRole, REDIS_URL: redisUrl(), PORT: '0' };
    const commands = [
      ['migrate', 'up'],
      ['start'],
      ['load', file],
      ['demo', '--devices', '2', '--duration', '1'],
    ];
    const results = await Promise.all(commands.map((args) => tess(args, { env, timeoutMs: 20_000 })));
    for (const [i, r] of results.entries()) {
      expectOneLine(
        r,
        new RegExp(
          `^tess: database "${missingName}" does not exist at postgres://${role}:\\*\\*\\*@[^ ]+/${missingName} ` +
            `and role "${role}" may not create it \\(42501\\); create it as a role that may, or grant this one CREATEDB\\n$`,
        ),
        commands[i]!.join(' '),
      );
    }
    expect(await created()).toBe(false);
  }, 60_000);
});

describe('a database never migrated', () => {
  it('is reported as not migrated, with the latest version and what to run', async () => {
    const file = join(dir, 'unmigrated.tess');
    for (const args of needMigrated(file)) {
      const r = await tess(args, { env: { DATABASE_URL: unmigrated.url } });
      expectOneLine(
        r,
        new RegExp(
          `^tess: database "${unmigrated.name}" at postgres://\\S+ is not migrated \\(at version none of ${latest}\\); ` +
            'run `tess migrate up` or `npm start` first\\n$',
        ),
        args.join(' '),
      );
    }
    expect(existsSync(file)).toBe(false);
    // The check only reads: golang-migrate's table is not created behind the user's back.
    expect(await query(unmigrated.url, "SELECT to_regclass('schema_migrations') AS t")).toEqual([
      { t: null },
    ]);
  }, 60_000);

  it('`tess migrate version` answers "none": that is its question', async () => {
    const r = await tess(['migrate', 'version'], { env: { DATABASE_URL: unmigrated.url } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('version none\n');
    expect(r.code).toBe(0);
  });
});

describe('a database partly migrated', () => {
  it('is reported with the version it is at and the latest', async () => {
    for (const args of needMigrated(join(dir, 'partly.tess'))) {
      const r = await tess(args, { env: { DATABASE_URL: partly.url } });
      expectOneLine(
        r,
        new RegExp(
          `^tess: database "${partly.name}" at \\S+ is not fully migrated \\(at version 2 of ${latest}\\); `,
        ),
        args.join(' '),
      );
    }
    const v = await tess(['migrate', 'version'], { env: { DATABASE_URL: partly.url } });
    expect(v.stdout).toBe('version 2\n');
  }, 60_000);
});

describe('a dirty database', () => {
  it('is refused by every command that works on it, migrating ones included', async () => {
    const env = { DATABASE_URL: dirty.url, REDIS_URL: redisUrl(), PORT: '0' };
    const dumpFile = join(dir, 'dirty-out.tess');
    const loadFile = join(dir, 'dirty-in.tess');
    await writeFile(loadFile, 'TESS-DUMP 1\n');
    const commands = [
      ...needMigrated(dumpFile),
      // load, start and demo migrate first; a dirty state is not theirs to repair.
      ['load', loadFile],
      ['start'],
      ['demo', '--devices', '2', '--duration', '1'],
    ];
    const results = await Promise.all(commands.map((args) => tess(args, { env, timeoutMs: 20_000 })));
    for (const [i, r] of results.entries()) {
      const args = commands[i]!;
      expectOneLine(r, new RegExp(`dirty at version ${latest}\\b.*tess migrate force`), args.join(' '));
    }
    expect(existsSync(dumpFile)).toBe(false);
    const v = await tess(['migrate', 'version'], { env });
    expect(v.stdout).toBe(`version ${latest} (dirty)\n`);
  }, 60_000);
});
