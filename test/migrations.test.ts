import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorCode } from '../engine/errors.js';
import {
  advisoryLockId,
  loadMigrations,
  MIGRATIONS_DIR,
  type MigrateCommand,
  migrate,
} from '../storage/migrations.js';
import { requireMigrated } from '../storage/schema-check.js';
import { tess } from './helpers/cli.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { serverUrl, timescaleChoice } from './helpers/server-url.js';

const MIGRATE = { timescaledb: timescaleChoice() };

/** What migration 1 must choose on this server: TimescaleDB when offered preloaded, unless off. */
async function expectTimescale(): Promise<boolean> {
  if (timescaleChoice() === 'off') return false;
  const [row] = await query<{ offered: boolean }>(
    serverUrl('postgres'),
    `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
        AND current_setting('timescaledb.max_background_workers', true) IS NOT NULL AS offered`,
  );
  return row!.offered;
}

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

/** A database migrated from a copy of migrations/ with a 000900_broken pair added (its up file fails at line 3). */
async function brokenSetUp(options: { brokenDown?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tess-migrations-'));
  const db = await createTestDatabase({ empty: true });
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  await writeFile(
    join(dir, '000900_broken.up.sql'),
    options.brokenDown
      ? 'BEGIN;\nCREATE TABLE broken (x int);\nCOMMIT;\n'
      : 'BEGIN;\nCREATE TABLE broken (x int);\nSELECT no_such_function();\nCOMMIT;\n',
  );
  await writeFile(
    join(dir, '000900_broken.down.sql'),
    options.brokenDown
      ? 'BEGIN;\nDROP TABLE needed_by_down;\nDROP TABLE IF EXISTS broken;\nCOMMIT;\n'
      : 'BEGIN;\nDROP TABLE IF EXISTS broken;\nCOMMIT;\n',
  );
  return {
    dir,
    url: db.url,
    done: async () => {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `tess migrate …` commands a message tells the user to run, in order, as argument lists. */
function commandsIn(message: string): string[][] {
  return [...message.matchAll(/`tess migrate ([^`]+)`/g)].map((m) => m[1]!.split(' '));
}

/** Runs one `tess migrate` command (as commandsIn returns it) against the copied migrations. */
function run(url: string, dir: string, args: readonly string[]) {
  const [kind, n] = args;
  const steps = n === undefined ? {} : { steps: Number(n) };
  const command: MigrateCommand | undefined =
    kind === 'force'
      ? { kind, version: n === '-1' ? null : Number(n) }
      : kind === 'up' || kind === 'down'
        ? { kind, ...steps }
        : undefined;
  if (!command) throw new Error(`not a migrate command: ${args.join(' ')}`);
  return migrate(url, command, { ...MIGRATE, dir });
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
    const first = await migrate(db.url, { kind: 'up' }, MIGRATE);
    expect(first.applied.length).toBe((await loadMigrations()).length);
    expect(first).toMatchObject({ version: last, dirty: false });
    expect(await query(db.url, 'SELECT version, dirty FROM schema_migrations')).toEqual([
      { version: last, dirty: false },
    ]);
    const before = await schemaDump(db.url);
    const second = await migrate(db.url, { kind: 'up' }, MIGRATE);
    expect(second.applied).toEqual([]);
    expect(await schemaDump(db.url)).toBe(before);
    const created = await query(db.url, "SELECT count(*)::int AS n FROM log WHERE event = 'CREATE'");
    expect(created).toEqual([{ n: 1 }]);
    // Every schema change after the log table exists is logged; the second up logged nothing.
    const altered = await query<{ message: string }>(
      db.url,
      "SELECT message FROM log WHERE event = 'ALTER' AND table_name IS NULL ORDER BY log_id",
    );
    const files = (await loadMigrations()).map((m) => m.up.split('/').pop());
    expect(altered.map((r) => r.message)).toEqual(files.slice(1).map((f) => `migration ${f} applied`));
  });

  it('every up file applied a second time changes nothing (idempotent)', async () => {
    const before = await schemaDump(db.url);
    // As the runner does: the session says which storage this run chose (migration 1 reads it).
    const choose = `SELECT set_config('tess.timescaledb', '${MIGRATE.timescaledb}', false);\n`;
    for (const m of await loadMigrations()) {
      await query(db.url, choose + (await readFile(m.up, 'utf8')));
    }
    expect(await schemaDump(db.url)).toBe(before);
    expect(await query(db.url, "SELECT count(*)::int AS n FROM log WHERE event = 'CREATE'")).toEqual([
      { n: 1 },
    ]);
  });

  it('down all then up all leaves the same catalog', async () => {
    const before = await schemaDump(db.url);
    const down = await migrate(db.url, { kind: 'down' }, MIGRATE);
    expect(down.version).toBeNull();
    expect(await query(db.url, 'SELECT * FROM schema_migrations')).toEqual([]);
    expect(await query(db.url, "SELECT to_regclass('system') AS t")).toEqual([{ t: null }]);
    await migrate(db.url, { kind: 'up' }, MIGRATE);
    expect(await schemaDump(db.url)).toBe(before);
  });

  it('down N and up N step one migration at a time', async () => {
    const all = await loadMigrations();
    const r = await migrate(db.url, { kind: 'down', steps: 1 }, MIGRATE);
    expect(r).toMatchObject({ version: all.at(-2)!.version, applied: [all.at(-1)!.down.split('/').pop()] });
    const u = await migrate(db.url, { kind: 'up', steps: 1 }, MIGRATE);
    expect(u.version).toBe(last);
  });

  it('two concurrent runners apply each file once and agree on the result', async () => {
    const other = await createTestDatabase({ empty: true });
    try {
      const [a, b] = await Promise.all([
        migrate(other.url, { kind: 'up' }, MIGRATE),
        migrate(other.url, { kind: 'up' }, MIGRATE),
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
      const running = migrate(db.url, { kind: 'version' }, MIGRATE).then((r) => {
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
    const { dir, url, done } = await brokenSetUp();
    try {
      const error = await migrate(url, { kind: 'up' }, { ...MIGRATE, dir }).catch((e) => e);
      expect(error.code).toBe(ErrorCode.MIGRATION);
      expect(error.message).toMatch(
        /000900_broken\.up\.sql failed at line 3: function no_such_function\(\) does not exist/,
      );
      expect(await query(url, 'SELECT version, dirty FROM schema_migrations')).toEqual([
        { version: 900, dirty: true },
      ]);
      // Nothing of the broken file stayed.
      expect(await query(url, "SELECT to_regclass('broken') AS t")).toEqual([{ t: null }]);
      const refused = await migrate(url, { kind: 'up' }, { ...MIGRATE, dir }).catch((e) => e);
      expect(refused.message).toMatch(/dirty at version 900.*tess migrate force/);
    } finally {
      await done();
    }
  });

  it('a failed migration says what the database holds and the two ways back, with the numbers', async () => {
    const { dir, url, done } = await brokenSetUp();
    try {
      const failed = await migrate(url, { kind: 'up' }, { ...MIGRATE, dir }).catch((e) => e);
      // The file is one transaction: the schema is the previous version's, marked dirty at the failed one.
      const state = `the database has version ${last}'s schema, marked dirty at version 900`;
      const retry = `fix the cause (the data or the server), run \`tess migrate force ${last}\` then \`tess migrate up\``;
      const byHand = `if you applied its changes by hand, run \`tess migrate force 900\``;
      for (const part of [state, retry, byHand]) expect(failed.message).toContain(part);
      // Every later refusal, by the runner or by a command that needs a migrated database, says the same.
      const refused = await migrate(url, { kind: 'up' }, { ...MIGRATE, dir }).catch((e) => e);
      const checked = await requireMigrated(url, dir).catch((e) => e);
      for (const e of [refused, checked]) {
        expect(e.code).toBe(ErrorCode.MIGRATION);
        expect(e.message).toMatch(/dirty at version 900: migration 000900_broken\.up\.sql failed/);
        for (const part of [`version ${last}'s schema`, retry, byHand]) expect(e.message).toContain(part);
      }
    } finally {
      await done();
    }
  });

  it('recovery (a): the cause fixed, forcing the previous version and retrying applies the file', async () => {
    const { dir, url, done } = await brokenSetUp();
    try {
      const failed = await migrate(url, { kind: 'up' }, { ...MIGRATE, dir }).catch((e) => e);
      const [force, up] = commandsIn(failed.message);
      expect([force, up]).toEqual([['force', String(last)], ['up']]);
      // Without fixing the cause, the retry fails the same way: the advice says fix it first.
      await run(url, dir, force!);
      const again = await run(url, dir, up!).catch((e) => e);
      expect(again.message).toBe(failed.message);
      // The cause was the server's: the function the file calls is missing. Provide it, follow the advice.
      await query(url, "CREATE FUNCTION no_such_function() RETURNS int LANGUAGE sql AS 'SELECT 1'");
      await run(url, dir, force!);
      expect((await run(url, dir, up!)).applied).toEqual(['000900_broken.up.sql']);
      expect(await query(url, 'SELECT version, dirty FROM schema_migrations')).toEqual([
        { version: 900, dirty: false },
      ]);
      expect(await query(url, "SELECT to_regclass('broken') IS NOT NULL AS t")).toEqual([{ t: true }]);
      expect(await requireMigrated(url, dir)).toBe(900);
    } finally {
      await done();
    }
  });

  it("recovery (b): the file's changes applied by hand, forcing the failed version makes it current", async () => {
    const { dir, url, done } = await brokenSetUp();
    try {
      const failed = await migrate(url, { kind: 'up' }, { ...MIGRATE, dir }).catch((e) => e);
      const force = commandsIn(failed.message)[2];
      expect(force).toEqual(['force', '900']);
      // What the file meant to leave, done by hand (its failing check skipped).
      await query(url, 'CREATE TABLE broken (x int)');
      await run(url, dir, force!);
      expect(await requireMigrated(url, dir)).toBe(900);
      expect((await migrate(url, { kind: 'up' }, { ...MIGRATE, dir })).applied).toEqual([]);
      // And the schema is whole: undoing 900 uses what was applied by hand.
      await migrate(url, { kind: 'down', steps: 1 }, { ...MIGRATE, dir });
      expect(await query(url, "SELECT to_regclass('broken') AS t")).toEqual([{ t: null }]);
    } finally {
      await done();
    }
  });

  it('a failed down step: the schema is still the undone version, dirty at the one below', async () => {
    const { dir, url, done } = await brokenSetUp({ brokenDown: true });
    try {
      await migrate(url, { kind: 'up' }, { ...MIGRATE, dir });
      const failed = await migrate(url, { kind: 'down', steps: 1 }, { ...MIGRATE, dir }).catch((e) => e);
      expect(failed.message).toContain(
        `the database still has version 900's schema, marked dirty at version ${last}`,
      );
      expect(commandsIn(failed.message)).toEqual([
        ['force', '900'],
        ['down', '1'],
        ['force', String(last)],
      ]);
      const checked = await requireMigrated(url, dir).catch((e) => e);
      expect(checked.message).toContain(
        `If it was \`tess migrate down\` that failed, the database still has version 900's schema`,
      );
      // Retry after fixing the cause (a table the down file expects).
      await query(url, 'CREATE TABLE needed_by_down (x int)');
      for (const command of commandsIn(failed.message).slice(0, 2)) await run(url, dir, command);
      expect(await requireMigrated(url, dir).catch((e) => e.message)).toMatch(/not fully migrated/);
      expect(await migrate(url, { kind: 'version' }, { ...MIGRATE, dir })).toMatchObject({
        version: last,
        dirty: false,
      });
    } finally {
      await done();
    }
  });

  it('the time-series tables are hypertables exactly when the database runs on TimescaleDB', async () => {
    const [{ ts }] = (await query<{ ts: boolean }>(
      db.url,
      "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS ts",
    )) as [{ ts: boolean }];
    expect(ts).toBe(await expectTimescale());
    const series = [
      'carbon_intensity.intensities',
      'client_meters.consumption',
      'gateway.pcu_log',
      'gateway.primary_log',
      'heating.demand',
      'public.log',
      'public.meter',
      'public.order',
      'public.price',
      'public.transaction',
      'renewables.generation',
      'tariffs.prices',
      'weather.observations',
    ];
    if (ts) {
      const rows = await query<{ hypertable_name: string }>(
        db.url,
        "SELECT hypertable_schema || '.' || hypertable_name AS hypertable_name FROM timescaledb_information.hypertables ORDER BY 1",
      );
      expect(rows.map((r) => r.hypertable_name)).toEqual(series);
      // The log held rows when it was converted: the move was logged, the conformant way.
      expect(
        await query(db.url, "SELECT table_name FROM log WHERE event = 'ALTER' AND table_name IS NOT NULL"),
      ).toEqual([{ table_name: 'log' }]);
    } else {
      const rows = await query<{ relname: string; relkind: string }>(
        db.url,
        `SELECT n.nspname || '.' || c.relname AS relname, c.relkind FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname || '.' || c.relname = ANY($1) ORDER BY 1`,
        [series],
      );
      expect(rows).toEqual(series.map((relname) => ({ relname, relkind: 'r' })));
    }
  });
});

describe('converting tables that hold rows into hypertables', () => {
  it('moves every row into chunks the conformant way: one logged ALTER per table, nothing lost', async () => {
    if (!(await expectTimescale())) {
      // Plain PostgreSQL has no hypertables: migration 4 must leave the tables ordinary.
      const other = await createTestDatabase({ empty: true });
      try {
        await migrate(other.url, { kind: 'up' }, MIGRATE);
        expect(
          await query(other.url, 'SELECT count(*)::int AS n FROM log WHERE table_name IS NOT NULL'),
        ).toEqual([{ n: 0 }]);
      } finally {
        await other.drop();
      }
      return;
    }
    const other = await createTestDatabase({ empty: true });
    try {
      await migrate(other.url, { kind: 'up', steps: 3 }, MIGRATE);
      await query(
        other.url,
        `WITH s AS (INSERT INTO system (name) VALUES ('s') RETURNING system_id),
              r AS (INSERT INTO resource (system_id, name) SELECT system_id, 'capacity' FROM s RETURNING resource_id),
              u AS (INSERT INTO "user" (system_id, name, email) SELECT system_id, 'u', 'u@example.org' FROM s RETURNING user_id),
              d AS (INSERT INTO device (user_id, name) SELECT user_id, 'd' FROM u RETURNING device_id, user_id),
              o AS (INSERT INTO "order" (device_id, resource_id, interval_start, side, quantity, price)
                    SELECT device_id, resource_id, '2026-01-01', 'buy', 1, 10 FROM d, r RETURNING order_id),
              p AS (INSERT INTO price (resource_id, interval_start, price, quantity, type)
                    SELECT resource_id, '2026-01-01', 10, 1, 'BUYER' FROM r RETURNING price_id),
              m AS (INSERT INTO meter (device_id, resource_id, interval_start, quantity)
                    SELECT device_id, resource_id, '2026-01-01', 1 FROM d, r RETURNING meter_id)
         INSERT INTO transaction (user_id, device_id, order_id, price_id, amount, balance)
         SELECT d.user_id, d.device_id, o.order_id, p.price_id, -10, -10 FROM d, o, p, m`,
      );
      const counts = `SELECT (SELECT count(*) FROM "order")::int AS o, (SELECT count(*) FROM price)::int AS p,
                             (SELECT count(*) FROM meter)::int AS m, (SELECT count(*) FROM transaction)::int AS t`;
      expect(await query(other.url, counts)).toEqual([{ o: 1, p: 1, m: 1, t: 1 }]);
      await migrate(other.url, { kind: 'up' }, MIGRATE);
      expect(await query(other.url, counts)).toEqual([{ o: 1, p: 1, m: 1, t: 1 }]);
      const logged = await query<{ table_name: string }>(
        other.url,
        "SELECT table_name FROM log WHERE event = 'ALTER' AND table_name IS NOT NULL ORDER BY table_name",
      );
      expect(logged.map((r) => r.table_name)).toEqual(['log', 'meter', 'order', 'price', 'transaction']);
      // Every row now lives in a chunk: the parent tables are empty.
      expect(await query(other.url, 'SELECT count(*)::int AS n FROM ONLY "order"')).toEqual([{ n: 0 }]);
      // The escape hatch closed with the migration's transaction.
      await expect(query(other.url, 'DELETE FROM "order"')).rejects.toThrow(/immutable/);
    } finally {
      await other.drop();
    }
  });
});

describe('`tess migrate down --all`', () => {
  it('removes everything TESS made, leaving only golang-migrate’s schema_migrations', async () => {
    const other = await createTestDatabase();
    try {
      const down = await tess(['migrate', 'down', '--all'], {
        env: { DATABASE_URL: other.url, TIMESCALEDB: MIGRATE.timescaledb },
      });
      expect(down.stderr).toBe('');
      expect(down.stdout).toMatch(/version none\n$/);
      const left = await query(
        other.url,
        `SELECT 'relation ' || relname AS what FROM pg_class
          WHERE relnamespace = 'public'::regnamespace AND relname NOT IN ('schema_migrations', 'schema_migrations_pkey')
         UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
         UNION ALL SELECT 'type ' || typname FROM pg_type
          WHERE typnamespace = 'public'::regnamespace AND typname NOT IN ('schema_migrations', '_schema_migrations')
         UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
         UNION ALL SELECT 'event trigger ' || evtname FROM pg_event_trigger
         UNION ALL SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
         UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
          WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
         UNION ALL SELECT 'grant to ' || r.rolname FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid
          WHERE d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND d.deptype = 'a'
         UNION ALL SELECT 'schema grant ' || a::text FROM pg_namespace, unnest(nspacl) AS a
          WHERE nspname = 'public' AND a::text LIKE 'tess_app=%'
         ORDER BY 1`,
      );
      expect(left).toEqual([]);
      expect(await query(other.url, 'SELECT * FROM schema_migrations')).toEqual([]);
      // The role itself stays: it belongs to the cluster, and other databases hold grants to it.
      expect(await query(other.url, "SELECT rolname FROM pg_roles WHERE rolname = 'tess_app'")).toEqual([
        { rolname: 'tess_app' },
      ]);
    } finally {
      await other.drop();
    }
  });
});

describe('the application role of migration 10', () => {
  /** A copy of migrations/ whose application role has a name of its own, so the test may create it. */
  async function withRole(role: string) {
    const dir = await mkdtemp(join(tmpdir(), 'tess-role-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    // Migration 10 and every later one that grants the application role.
    for (const file of await readdir(dir)) {
      if (!(Number(file.slice(0, 6)) >= 10)) continue;
      const sql = await readFile(join(dir, file), 'utf8');
      await writeFile(join(dir, file), sql.replaceAll('tess_app', role));
    }
    const migrations = await loadMigrations(dir);
    const index = migrations.findIndex((m) => m.version === 10);
    return {
      dir,
      before: migrations[index - 1]!.version,
      stepsBefore: index,
      latest: migrations.at(-1)!.version,
      // What `up` applies from the version before 10.
      fromTen: migrations.slice(index).map((m) => `${String(m.version).padStart(6, '0')}_${m.title}.up.sql`),
    };
  }
  const admin = (sql: string) => query(serverUrl('postgres'), sql);

  it('two databases creating the role at once both migrate, and both grant it', async () => {
    const role = `${inject('runPrefix')}app_${randomBytes(3).toString('hex')}`;
    const { dir, stepsBefore, latest } = await withRole(role);
    const a = await createTestDatabase({ empty: true });
    const b = await createTestDatabase({ empty: true });
    const holder = new pg.Client({ connectionString: serverUrl('postgres') });
    await holder.connect();
    try {
      await migrate(a.url, { kind: 'up', steps: stepsBefore }, { ...MIGRATE, dir });
      await migrate(b.url, { kind: 'up', steps: stepsBefore }, { ...MIGRATE, dir });
      // A third session creates the role and holds it uncommitted: both migrations find it
      // missing, and their CREATE ROLE waits for that transaction, then meets the committed role.
      await holder.query('BEGIN');
      await holder.query(`CREATE ROLE "${role}" NOLOGIN`);
      const both = Promise.all([
        migrate(a.url, { kind: 'up' }, { ...MIGRATE, dir }),
        migrate(b.url, { kind: 'up' }, { ...MIGRATE, dir }),
      ]);
      both.catch(() => {});
      await waitUntil(async () => {
        const [row] = await admin(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname IN ('${a.name}', '${b.name}') AND wait_event_type = 'Lock'`,
        );
        return (row as { n: number }).n === 2;
      });
      await holder.query('COMMIT');
      const results = await both;
      for (const [r, db] of [
        [results[0], a],
        [results[1], b],
      ] as const) {
        expect(r).toMatchObject({ version: latest, dirty: false, notices: [] });
        expect(
          await query(db.url, `SELECT has_table_privilege('${role}', 'order', 'INSERT') AS insert`),
        ).toEqual([{ insert: true }]);
      }
    } finally {
      await holder.end();
      await a.drop();
      await b.drop();
      await admin(`DROP ROLE IF EXISTS "${role}"`);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a migrating role that may not create roles skips it with a notice; created later, applying 10 again grants it', async () => {
    const role = `${inject('runPrefix')}app_${randomBytes(3).toString('hex')}`;
    const owner = `${inject('runPrefix')}own_${randomBytes(3).toString('hex')}`;
    const name = `${inject('runPrefix')}${randomBytes(5).toString('hex')}`;
    const { dir, before, latest, fromTen } = await withRole(role);
    await admin(`CREATE ROLE "${owner}" LOGIN NOCREATEROLE`);
    try {
      await admin(`CREATE DATABASE "${name}" OWNER "${owner}" TEMPLATE template0`);
      const u = new URL(serverUrl(name));
      u.username = owner;
      // A role that is not a superuser may not create the timescaledb extension.
      const options = { timescaledb: 'off' as const, dir };
      const first = await migrate(u.toString(), { kind: 'up' }, options);
      expect(first.version).toBe(latest);
      expect(first.notices).toEqual([
        `role ${role} not created: role ${owner} may not create roles; the application runs with the rights of its login ` +
          `(as a superuser: CREATE ROLE ${role} NOLOGIN; then force the version before 10 (\`tess migrate force V\`) and run \`tess migrate up\` to grant it)`,
      ]);
      await admin(`CREATE ROLE "${role}" NOLOGIN`);
      await migrate(u.toString(), { kind: 'force', version: before }, options);
      const again = await migrate(u.toString(), { kind: 'up' }, options);
      expect(again).toMatchObject({ version: latest, notices: [], applied: fromTen });
      expect(
        await query(serverUrl(name), `SELECT has_table_privilege('${role}', 'log', 'INSERT') AS insert`),
      ).toEqual([{ insert: true }]);
    } finally {
      await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin(`DROP ROLE IF EXISTS "${role}"`);
      await admin(`DROP ROLE IF EXISTS "${owner}"`);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function waitUntil(fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error('timed out waiting for both migrations to wait on the role');
    await new Promise((r) => setTimeout(r, 50));
  }
}
