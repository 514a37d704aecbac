import { setCompressionAge } from './compression.js';
import { ErrorCode, TessError } from '../engine/errors.js';
import { connectClient, databaseName, ensureDatabase } from './connection.js';
import { migrate, type TimescaleChoice } from './migrations.js';
import { readStorageMode, type StorageMode } from './storage-mode.js';

export interface PrepareOptions {
  /** @defaultValue 'auto' */
  readonly timescaledb?: TimescaleChoice;
  /** Age in days after which old chunks are compressed on TimescaleDB (0: never). @defaultValue 7 */
  readonly compressAfterDays?: number;
}

export interface Prepared {
  /** Migration version the database is at. */
  readonly version: number | null;
  readonly mode: StorageMode;
  /** Whether the database did not exist and was created (see `createdNotice`). */
  readonly created: boolean;
  /** What the migrations applied now reported (see MigrateResult.notices). */
  readonly notices: readonly string[];
}

/**
 * What every command that serves a database does first: create the database when it is
 * missing, apply pending migrations, and bring the compression policy to the configured
 * age. Safe when several processes start at once (migrations run under their lock).
 *
 * As the owner of the schema (the default login) this also creates and grants the
 * application role tess_app (migration 10). As a login that is only a member of tess_app
 * it changes nothing: a current schema and an unchanged policy pass, anything it would
 * have to change is refused in one line naming the owner as the one to run it.
 */
export async function prepareDatabase(url: string, options: PrepareOptions = {}): Promise<Prepared> {
  const created = await ensureDatabase(url);
  const { version, notices } = await migrate(
    url,
    { kind: 'up' },
    { timescaledb: options.timescaledb ?? 'auto' },
  );
  const client = await connectClient(url);
  try {
    const mode = await readStorageMode(client);
    if (mode.kind === 'timescaledb') {
      const days = options.compressAfterDays ?? 7;
      await setCompressionAge(client, days).catch(async (err: { code?: string }) => {
        // 42501 insufficient_privilege: the application's login (a member of tess_app,
        // migration 10) reads the policy but only the tables' owner may change it.
        if (err.code !== '42501') throw err;
        const { rows } = await client.query('SELECT current_user AS role');
        throw new TessError(
          ErrorCode.MIGRATION,
          `COMPRESS_AFTER_DAYS=${days} differs from the compression policy of database "${databaseName(url)}", ` +
            `and role "${rows[0].role}" may not change it (it does not own the tables); ` +
            "set COMPRESS_AFTER_DAYS to the policy's age, or start once with a DATABASE_URL naming the owner",
          { cause: err },
        );
      });
    }
    return { version, mode, created, notices };
  } finally {
    await client.end();
  }
}
