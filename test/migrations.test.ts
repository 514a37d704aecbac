import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../engine/errors.js';
import { advisoryLockId, loadMigrations, MIGRATIONS_DIR, migrate } from '../storage/migrations.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

const exec = promisify(execFile);

async function schemaDump(url: string): Promise<string> {
  const { stdout } = await exec(
    'pg_dump',
    ['--schema-only', '--no-owner', '--no-privileges', '--dbname', url],
    {
      maxBuffer: 64 << 20,
    },
  );
  // Drop the comment header with its version stamp; keep every statement.
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('--') && !l.startsWith('\\restrict') && !l.startsWith('\\unrestrict'))
    .join('\n');
}

async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  let db: TestDatabase;
  let last: number;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    const all = await loadMigrations();
    last = all.at(-1)!.version;
  });
  afterAll(() => db.drop());

  it('files come in up/down pairs, each wrapped in BEGIN; … COMMIT;', async () => {
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql'));
    const migrations = await loadMigrations();
    expect(files.length).toBe(migrations.length * 2);
    for (const f of files) {
      expect(f).toMatch(/^\d{6}_[a-z0-9_]+\.(up|down)\.sql$/);
      const sql = (await readFile(join(MIGRATIONS_DIR, f), 'utf8')).replace(/^--.*$/gm, '').trim();
      expect(sql.startsWith('BEGIN;'), f).toBe(true);
      expect(sql.endsWith('COMMIT;'), f).toBe(true);
    }
  });

  it('up applies every file and leaves golang-migrate state; a second up is a no-op', async () => {
    const first = await migrate(db.url, { kind: 'up' });
    expect(first.applied.length).toBe((await loadMigrations()).length);
    expect(first).toMatchObject({ version: last, dirty: false });
    expect(await query(db.url, 'SELECT version, dirty FROM schema_migrations')).toEqual([
      { version: last, dirty: false },
    ]);
    const before = await schemaDump(db.url);
    const second = await migrate(db.url, { kind: 'up' });
    expect(second.applied).toEqual([]);
    expect(await schemaDump(db.url)).toBe(before);
    const created = await query(db.url, "SELECT count(*)::int AS n FROM log WHERE event = 'CREATE'");
    expect(created).toEqual([{ n: 1 }]);
    // Every schema change after the log table exists is logged; the second up logged nothing.
    const altered = await query<{ message: string }>(
      db.url,
      "SELECT message FROM log WHERE event = 'ALTER' ORDER BY log_id",
    );
    const files = (await loadMigrations()).map((m) => m.up.split('/').pop());
    expect(altered.map((r) => r.message)).toEqual(files.slice(1).map((f) => `migration ${f} applied`));
  });

  it('every up file applied a second time changes nothing (idempotent)', async () => {
    const before = await schemaDump(db.url);
    for (const m of await loadMigrations()) {
      await query(db.url, await readFile(m.up, 'utf8'));
    }
    expect(await schemaDump(db.url)).toBe(before);
    expect(await query(db.url, "SELECT count(*)::int AS n FROM log WHERE event = 'CREATE'")).toEqual([
      { n: 1 },
    ]);
  });

  it('down all then up all leaves the same catalog', async () => {
    const before = await schemaDump(db.url);
    const down = await migrate(db.url, { kind: 'down' });
    expect(down.version).toBeNull();
    expect(await query(db.url, 'SELECT * FROM schema_migrations')).toEqual([]);
    expect(await query(db.url, "SELECT to_regclass('system') AS t")).toEqual([{ t: null }]);
    await migrate(db.url, { kind: 'up' });
    expect(await schemaDump(db.url)).toBe(before);
  });

  it('down N and up N step one migration at a time', async () => {
    const all = await loadMigrations();
    const r = await migrate(db.url, { kind: 'down', steps: 1 });
    expect(r).toMatchObject({ version: all.at(-2)!.version, applied: [all.at(-1)!.down.split('/').pop()] });
    const u = await migrate(db.url, { kind: 'up', steps: 1 });
    expect(u.version).toBe(last);
  });

  it('two concurrent runners apply each file once and agree on the result', async () => {
    const other = await createTestDatabase({ empty: true });
    try {
      const [a, b] = await Promise.all([
        migrate(other.url, { kind: 'up' }),
        migrate(other.url, { kind: 'up' }),
      ]);
      const applied = [...a.applied, ...b.applied].sort();
      const expected = (await loadMigrations()).map((m) => m.up.split('/').pop()).sort();
      expect(applied).toEqual(expected);
      expect(a.version).toBe(last);
      expect(b.version).toBe(last);
      expect(await query(other.url, "SELECT count(*)::int AS n FROM log WHERE event = 'CREATE'")).toEqual([
        { n: 1 },
      ]);
    } finally {
      await other.drop();
    }
  });

  it('holds golang-migrate advisory lock while it runs', async () => {
    const [row] = await query<{ d: string }>(db.url, 'SELECT current_database() AS d');
    const d = row!.d;
    const id = advisoryLockId(d, 'public');
    // Hold the lock from another session: the runner must wait for it.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [id]);
      let done = false;
      const running = migrate(db.url, { kind: 'version' }).then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false);
      await holder.query('SELECT pg_advisory_unlock($1)', [id]);
      expect((await running).version).toBe(last);
    } finally {
      await holder.end();
    }
  });

  it('a failing migration leaves dirty = true, a clear error, and refuses to go on until forced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tess-migrations-'));
    const other = await createTestDatabase({ empty: true });
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await writeFile(
        join(dir, '000900_broken.up.sql'),
        'BEGIN;\nCREATE TABLE broken (x int);\nSELECT no_such_function();\nCOMMIT;\n',
      );
      await writeFile(join(dir, '000900_broken.down.sql'), 'BEGIN;\nDROP TABLE IF EXISTS broken;\nCOMMIT;\n');
      const error = await migrate(other.url, { kind: 'up' }, { dir }).catch((e) => e);
      expect(error.code).toBe(ErrorCode.MIGRATION);
      expect(error.message).toMatch(
        /000900_broken\.up\.sql failed at line 3: function no_such_function\(\) does not exist/,
      );
      expect(await query(other.url, 'SELECT version, dirty FROM schema_migrations')).toEqual([
        { version: 900, dirty: true },
      ]);
      // Nothing of the broken file stayed.
      expect(await query(other.url, "SELECT to_regclass('broken') AS t")).toEqual([{ t: null }]);
      const refused = await migrate(other.url, { kind: 'up' }, { dir }).catch((e) => e);
      expect(refused.message).toMatch(/dirty at version 900.*tess migrate force/);
      await migrate(other.url, { kind: 'force', version: last }, { dir });
      expect(await migrate(other.url, { kind: 'version' }, { dir })).toMatchObject({
        version: last,
        dirty: false,
      });
    } finally {
      await other.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the time-series tables are hypertables exactly when TimescaleDB is available', async () => {
    const [{ available }] = (await query<{ available: boolean }>(
      db.url,
      "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available",
    )) as [{ available: boolean }];
    const series = ['log', 'meter', 'order', 'price', 'transaction'];
    if (available) {
      const rows = await query<{ hypertable_name: string }>(
        db.url,
        'SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1',
      );
      expect(rows.map((r) => r.hypertable_name)).toEqual(series);
    } else {
      const rows = await query<{ relname: string; relkind: string }>(
        db.url,
        'SELECT relname, relkind FROM pg_class WHERE relname = ANY($1) ORDER BY 1',
        [series],
      );
      expect(rows).toEqual(series.map((relname) => ({ relname, relkind: 'r' })));
    }
  });
});
