import { ErrorCode, TessError } from '../engine/errors.js';
import { type Database, openDatabase, requireMigrated } from '../storage/index.js';
import { runningEmbedded } from './local/local-services.js';
import { readSettings, type Settings } from './settings.js';

/**
 * Runs a command's work on a handle to the database the settings name (or the running
 * embedded one), closed afterwards. A database that is missing or not migrated is one
 * line naming it and what to run, rather than `relation … does not exist`.
 */
export async function withHandle<T>(fn: (db: Database, settings: Settings) => Promise<T>): Promise<T> {
  const settings = readSettings();
  const { databaseUrl, adminEmail } = await runningEmbedded(settings);
  await requireMigrated(databaseUrl);
  const db = await openDatabase(databaseUrl, { poolSize: 2, adminEmail });
  try {
    return await fn(db, settings);
  } finally {
    await db.close();
  }
}

/** The entry id of system `name`; the default system (created when missing, as `token create` does) without one. */
export async function systemOf(db: Database, name: string | undefined): Promise<number> {
  if (name === undefined) return db.systemId();
  const entry = await db.systemIdByName(name);
  if (entry === null) throw new TessError(ErrorCode.NOT_FOUND, `system ${JSON.stringify(name)} not found`);
  return entry;
}
