import { setCompressionAge } from './compression.js';
import { connectClient, ensureDatabase } from './connection.js';
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
}

/**
 * What every command that serves a database does first: create the database when it is
 * missing, apply pending migrations, and bring the compression policy to the configured
 * age. Safe when several processes start at once (migrations run under their lock).
 */
export async function prepareDatabase(url: string, options: PrepareOptions = {}): Promise<Prepared> {
  const created = await ensureDatabase(url);
  const { version } = await migrate(url, { kind: 'up' }, { timescaledb: options.timescaledb ?? 'auto' });
  const client = await connectClient(url);
  try {
    const mode = await readStorageMode(client);
    if (mode.kind === 'timescaledb') await setCompressionAge(client, options.compressAfterDays ?? 7);
    return { version, mode, created };
  } finally {
    await client.end();
  }
}
