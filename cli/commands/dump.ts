import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { createdNotice } from '../../storage/index.js';
import { type Database, dump, load, openDatabase, requireMigrated } from '../../storage/index.js';
import { prepareDatabase } from '../../storage/index.js';
import { progressBar } from '../progress.js';
import { readSettings } from '../settings.js';

async function withDatabase<T>(url: string, fn: (db: Database) => Promise<T>): Promise<T> {
  // One line naming the database and what to run, rather than `relation … does not exist`.
  await requireMigrated(url);
  const db = await openDatabase(url, { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Fails before anything is created when FILE cannot be read (a mistyped name). */
async function requireReadable(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TessError(ErrorCode.INVALID, `cannot read ${file}: ${reason}`);
  }
}

export function registerDump(program: Command): void {
  program
    .command('dump <FILE>')
    .description('write every table, from one consistent snapshot, to FILE (logged as DUMP)')
    .action((file: string) =>
      withDatabase(readSettings().databaseUrl, async (db) => {
        const bar = progressBar();
        try {
          const r = await dump(db, file, bar.onProgress);
          bar.stop();
          process.stdout.write(`dumped ${r.total} rows to ${file}\n`);
        } finally {
          bar.stop();
        }
      }),
    );
  program
    .command('load <FILE>')
    .description(
      'load a dump into an empty database, keeping ids and times (logged as LOAD); ' +
        'a missing database is created and migrated first, as `npm start` does',
    )
    .action(async (file: string) => {
      const settings = readSettings();
      await requireReadable(file);
      // A dump is most often restored into a new database: prepare it as a server would,
      // so the loaded rows land in the same schema and storage (TimescaleDB, compression).
      // load() itself still refuses a database that holds data.
      const { created } = await prepareDatabase(settings.databaseUrl, {
        timescaledb: settings.timescaledb,
        compressAfterDays: settings.compressAfterDays,
      });
      if (created) process.stdout.write(`${createdNotice(settings.databaseUrl)}\n`);
      await withDatabase(settings.databaseUrl, async (db) => {
        const bar = progressBar();
        try {
          const r = await load(db, file, bar.onProgress);
          bar.stop();
          process.stdout.write(`loaded ${r.total} rows from ${file}\n`);
        } finally {
          bar.stop();
        }
      });
    });
}
