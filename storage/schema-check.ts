import { ErrorCode, TessError } from '../engine/errors.js';
import { connectClient, databaseName, MIGRATE_HINT, redactUrl } from './connection.js';
import { dirtyAdvice } from './migration-advice.js';
import { loadMigrations, MIGRATIONS_DIR } from './migrations.js';

/**
 * The check a command makes before it works on an existing database: that the database
 * exists (a missing one fails at connect, translated there) and that every migration in
 * migrations/ has applied cleanly. Without it a command on an un-migrated database dies
 * on its first query with `relation "…" does not exist`, which names neither the cause
 * nor the cure.
 *
 * It only reads: unlike `migrate(url, { kind: 'version' })` it creates no
 * schema_migrations table and takes no lock, so a refused command leaves no trace.
 * The bookkeeping it reads is golang-migrate's (see storage/migrations.ts): one row, a
 * dirty flag, -1 for a dirty "no version".
 */
export async function requireMigrated(url: string, dir = MIGRATIONS_DIR): Promise<number | null> {
  const migrations = await loadMigrations(dir);
  const latest = migrations.at(-1)?.version ?? null;
  const client = await connectClient(url);
  let version: number | null = null;
  let dirty = false;
  try {
    const table = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    const { rows } = table.rows[0].present
      ? await client.query('SELECT version, dirty FROM schema_migrations LIMIT 1')
      : { rows: [] };
    if (rows[0]) {
      version = Number(rows[0].version) < 0 ? null : Number(rows[0].version);
      dirty = rows[0].dirty;
    }
  } finally {
    await client.end();
  }
  const where = `database "${databaseName(url)}" at ${redactUrl(url)}`;
  const at = version ?? 'none';
  if (dirty) {
    throw new TessError(
      ErrorCode.MIGRATION,
      `${where} is dirty at ${version === null ? 'no version' : `version ${version}`}: ${dirtyAdvice(migrations, version)}`,
    );
  }
  if (version === latest) return version;
  if (version !== null && !migrations.some((m) => m.version === version)) {
    throw new TessError(
      ErrorCode.MIGRATION,
      `${where} is at version ${version}, which no file in migrations/ has (latest ${latest ?? 'none'}); ` +
        'run the TESS release that migrated it',
    );
  }
  throw new TessError(
    ErrorCode.MIGRATION,
    `${where} is ${version === null ? 'not' : 'not fully'} migrated (at version ${at} of ${latest ?? 'none'}); ${MIGRATE_HINT}`,
  );
}
