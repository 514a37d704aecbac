import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import type pg from 'pg';
import { ErrorCode, TessError } from '../engine/errors.js';
import { connectClient, databaseName } from './connection.js';
import { afterFailure, dirtyAdvice } from './migration-advice.js';

/**
 * A runner for the SQL files in migrations/, keeping golang-migrate's bookkeeping
 * exactly (table, single row, dirty flag, advisory lock id) so that the upstream
 * `migrate -path ./migrations -database $DATABASE_URL up` reads and continues its state.
 */

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
const TABLE = 'schema_migrations';

export interface Migration {
  readonly version: number;
  readonly title: string;
  readonly up: string;
  readonly down: string;
}

export interface MigrationState {
  /** null when no migration has been applied (golang-migrate's NilVersion). */
  readonly version: number | null;
  readonly dirty: boolean;
}

export type MigrateCommand =
  | { readonly kind: 'up'; readonly steps?: number }
  | { readonly kind: 'down'; readonly steps?: number }
  | { readonly kind: 'version' }
  | { readonly kind: 'force'; readonly version: number | null };

/** Whether a database is put on TimescaleDB when first migrated (migration 1 reads it). */
export const TIMESCALEDB_CHOICES = ['auto', 'on', 'off'] as const;
export type TimescaleChoice = (typeof TIMESCALEDB_CHOICES)[number];

export interface MigrateOptions {
  /** @defaultValue MIGRATIONS_DIR */
  readonly dir?: string;
  /** @defaultValue 'auto': TimescaleDB when the server offers it preloaded */
  readonly timescaledb?: TimescaleChoice;
}

export interface MigrateResult extends MigrationState {
  /** File names applied by this call, in order. */
  readonly applied: readonly string[];
  /**
   * What the migrations themselves reported (RAISE NOTICE with a TESS code, TS…), such as
   * an application role that could not be created; other notices (TimescaleDB's) are not kept.
   */
  readonly notices: readonly string[];
}

const FILE = /^(\d+)_([\w-]+)\.(up|down)\.sql$/;

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const byVersion = new Map<number, { title: string; up?: string; down?: string }>();
  for (const name of (await readdir(dir)).sort()) {
    const m = FILE.exec(name);
    if (!m) continue;
    const version = Number(m[1]);
    const entry = byVersion.get(version) ?? { title: m[2]! };
    if (entry.title !== m[2]) {
      throw new TessError(
        ErrorCode.MIGRATION,
        `migrations ${m[1]}: two titles, "${entry.title}" and "${m[2]}"`,
      );
    }
    entry[m[3] as 'up' | 'down'] = name;
    byVersion.set(version, entry);
  }
  const out: Migration[] = [];
  for (const [version, e] of [...byVersion].sort((a, b) => a[0] - b[0])) {
    if (!e.up || !e.down) {
      throw new TessError(
        ErrorCode.MIGRATION,
        `migration ${version}_${e.title} lacks its ${e.up ? 'down' : 'up'} file`,
      );
    }
    out.push({ version, title: e.title, up: join(dir, e.up), down: join(dir, e.down) });
  }
  return out;
}

/** golang-migrate's lock id: crc32(database \0 schema \0 table) times its salt, as uint32. */
export function advisoryLockId(database: string, schema: string, table = TABLE): string {
  const sum = crc32(Buffer.from(`${database}\0${schema}\0${table}`));
  return String(Math.imul(sum, 1486364155) >>> 0);
}

async function readState(client: pg.Client): Promise<MigrationState> {
  const exists = await client.query('SELECT to_regclass($1) AS t', [TABLE]);
  if (exists.rows[0].t === null) return { version: null, dirty: false };
  const r = await client.query(`SELECT version, dirty FROM ${TABLE} LIMIT 1`);
  const row = r.rows[0];
  if (!row) return { version: null, dirty: false };
  const version = Number(row.version);
  return { version: version < 0 ? null : version, dirty: row.dirty };
}

async function writeState(client: pg.Client, version: number | null, dirty: boolean): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`TRUNCATE ${TABLE}`);
    // golang-migrate records a dirty "no version" as -1 (its NilVersion).
    if (version !== null || dirty) {
      await client.query(`INSERT INTO ${TABLE} (version, dirty) VALUES ($1, $2)`, [version ?? -1, dirty]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/**
 * Schema changes are non-conformant operations: each applied file is logged (ALTER) once
 * the log table exists. golang-migrate, running the same files, does not log them.
 */
async function logSchemaChange(client: pg.Client, file: string): Promise<void> {
  const { rows } = await client.query("SELECT to_regclass('log') IS NOT NULL AS present");
  if (!rows[0].present) return;
  await client.query("INSERT INTO log (event, table_name, message) VALUES ('ALTER', NULL, $1)", [
    `migration ${file.split('/').pop()} applied`,
  ]);
}

/** Runs one migration file; a failure names the file and line, then what it left (see migration-advice.ts). */
async function runFile(client: pg.Client, file: string, advice: () => string): Promise<void> {
  const sql = await readFile(file, 'utf8');
  try {
    await client.query(sql);
  } catch (err) {
    // The file's own BEGIN may have left the session inside a failed transaction.
    await client.query('ROLLBACK').catch(() => {});
    const e = err as { message?: string; position?: string };
    const line = e.position ? sql.slice(0, Number(e.position)).split('\n').length : undefined;
    throw new TessError(
      ErrorCode.MIGRATION,
      `migration ${basename(file)} failed${line ? ` at line ${line}` : ''}: ${e.message}; ${advice()}`,
      { cause: err },
    );
  }
}

/**
 * TIMESCALEDB=on on a server that cannot give it: refused before anything is marked, so
 * the database stays clean (migration 1 would refuse too, but after the dirty mark).
 */
async function requireTimescale(client: pg.Client): Promise<void> {
  const { rows } = await client.query(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            current_setting('timescaledb.max_background_workers', true) IS NOT NULL AS preloaded`,
  );
  const r = rows[0] as { installed: boolean; available: boolean; preloaded: boolean };
  if (r.installed || (r.available && r.preloaded)) return;
  throw new TessError(
    ErrorCode.MIGRATION,
    `TIMESCALEDB=on, but this server ${
      r.available
        ? 'lists the timescaledb extension without preloading it (add timescaledb to shared_preload_libraries and restart)'
        : 'does not offer the timescaledb extension'
    }; set TIMESCALEDB=auto to run on plain PostgreSQL`,
  );
}

function dirtyError(migrations: readonly Migration[], state: MigrationState): TessError {
  const at = state.version === null ? 'no version' : `version ${state.version}`;
  return new TessError(
    ErrorCode.MIGRATION,
    `database is dirty at ${at}: ${dirtyAdvice(migrations, state.version)}`,
  );
}

/** Runs one migration command under golang-migrate's advisory lock. */
export async function migrate(
  url: string,
  command: MigrateCommand,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.dir);
  const client = await connectClient(url);
  const notices: string[] = [];
  client.on('notice', (n: { code?: string; message?: string; hint?: string }) => {
    if (n.code?.startsWith('TS')) notices.push(n.hint ? `${n.message} (${n.hint})` : String(n.message));
  });
  try {
    await client.query("SELECT set_config('tess.timescaledb', $1, false)", [options.timescaledb ?? 'auto']);
    if (options.timescaledb === 'on' && command.kind === 'up') await requireTimescale(client);
    const where = await client.query('SELECT current_database() AS d, current_schema() AS s');
    const lock = advisoryLockId(where.rows[0].d, where.rows[0].s);
    await client.query('SELECT pg_advisory_lock($1)', [lock]);
    try {
      // Same DDL as golang-migrate, so either tool may create it first. Only when missing:
      // a role that may not create tables (the application's) still reads the version.
      if ((await client.query('SELECT to_regclass($1) IS NULL AS missing', [TABLE])).rows[0].missing) {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${TABLE} (version bigint not null primary key, dirty boolean not null)`,
        );
      }
      return { ...(await runLocked(client, migrations, command, url)), notices };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lock]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

/**
 * Refuses, in one line, a role that may not change the schema (the application's own
 * login, a member of tess_app: migration 10) before anything is marked dirty: it could
 * not even write golang-migrate's bookkeeping, and the files need the tables' owner.
 */
async function requireOwner(client: pg.Client, url: string, what: string): Promise<void> {
  const { rows } = await client.query(
    `SELECT current_user AS role,
            has_table_privilege(current_user, $1, 'INSERT,TRUNCATE') AND NOT EXISTS (
              SELECT 1 FROM pg_class WHERE oid = to_regclass('system')
                 AND NOT pg_has_role(current_user, relowner, 'USAGE')) AS may`,
    [TABLE],
  );
  if (rows[0].may) return;
  throw new TessError(
    ErrorCode.MIGRATION,
    `role "${rows[0].role}" may not ${what} database "${databaseName(url)}" (it does not own the schema); ` +
      'run `tess migrate` with a DATABASE_URL naming the role that owns it',
  );
}

async function runLocked(
  client: pg.Client,
  migrations: Migration[],
  command: MigrateCommand,
  url: string,
): Promise<Omit<MigrateResult, 'notices'>> {
  const state = await readState(client);
  const applied: string[] = [];
  if (command.kind === 'version') return { ...state, applied };
  if (command.kind === 'force') {
    if (command.version !== null && !migrations.some((m) => m.version === command.version)) {
      throw new TessError(ErrorCode.MIGRATION, `no migration has version ${command.version}`);
    }
    await requireOwner(client, url, 'force the version of');
    await writeState(client, command.version, false);
    return { version: command.version, dirty: false, applied };
  }
  if (state.dirty) throw dirtyError(migrations, state);
  const index = state.version === null ? -1 : migrations.findIndex((m) => m.version === state.version);
  if (index === -1 && state.version !== null) {
    throw new TessError(
      ErrorCode.MIGRATION,
      `database is at version ${state.version}, which no file in migrations/ has`,
    );
  }
  let version = state.version;
  if (command.kind === 'up') {
    const todo = migrations.slice(
      index + 1,
      command.steps === undefined ? undefined : index + 1 + command.steps,
    );
    if (todo.length > 0) await requireOwner(client, url, `apply ${todo.length} pending migration(s) to`);
    for (const [i, m] of todo.entries()) {
      await writeState(client, m.version, true);
      await runFile(client, m.up, () => afterFailure(migrations, index + 1 + i, 'up'));
      await logSchemaChange(client, m.up);
      await writeState(client, m.version, false);
      version = m.version;
      applied.push(m.up.split('/').pop()!);
    }
  } else {
    const steps = command.steps ?? index + 1;
    if (steps > 0 && index >= 0) await requireOwner(client, url, 'undo migrations of');
    for (let i = index; i > index - steps && i >= 0; i--) {
      const m = migrations[i]!;
      const previous = i > 0 ? migrations[i - 1]!.version : null;
      // Like golang-migrate, a down step is marked dirty at its target version.
      await writeState(client, previous, true);
      await runFile(client, m.down, () => afterFailure(migrations, i, 'down'));
      await logSchemaChange(client, m.down);
      await writeState(client, previous, false);
      version = previous;
      applied.push(m.down.split('/').pop()!);
    }
  }
  return { version, dirty: false, applied };
}
