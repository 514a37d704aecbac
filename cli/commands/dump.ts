import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { createdNotice } from '../../storage/index.js';
import { type Database, dump, load, openDatabase, requireMigrated } from '../../storage/index.js';
import { prepareDatabase } from '../../storage/index.js';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { dumpClientData } from '../client-data-files.js';
import { withHandle } from '../handle.js';
import { readingFile } from '../input-file.js';
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

/** Runs a dump or a load of FILE with a progress bar, then prints its one-line summary. */
async function transfer(
  url: string,
  file: string,
  run: typeof dump,
  summary: (total: number) => string,
): Promise<void> {
  await withDatabase(url, async (db) => {
    const bar = progressBar();
    try {
      const r = await run(db, file, bar.onProgress);
      bar.stop();
      process.stdout.write(`${summary(r.total)}\n`);
    } finally {
      bar.stop();
    }
  });
}

export function registerDump(program: Command): void {
  program
    .command('dump [FILE]')
    .description(
      'write every table, from one consistent snapshot, to FILE (logged as DUMP); with --sql, the client data ' +
        '(clients, sites, datasets) as an idempotent migration: `tess dump --sql > migrations/999999_client_data.up.sql`',
    )
    .option('--sql', 'client data as SQL (the up file to FILE or standard output, its .down.sql beside it)')
    .option('--tables <LIST>', 'with --sql: client_info and dataset types, comma-separated (default: all)')
    .option('--down <FILE>', 'with --sql: where the down file goes (default: beside an .up.sql FILE)')
    .action(async (file: string | undefined, opts: { sql?: boolean; tables?: string; down?: string }) => {
      if (opts.sql) {
        const line = await withHandle((db) =>
          dumpClientData(db, { file, down: opts.down, tables: opts.tables }),
        );
        process.stderr.write(`${line}\n`);
        return;
      }
      if (opts.tables !== undefined || opts.down !== undefined) {
        throw new TessError(ErrorCode.INVALID, '--tables and --down go with --sql; a dump holds every table');
      }
      if (file === undefined) throw new TessError(ErrorCode.INVALID, 'dump needs FILE (or --sql)');
      await transfer(readSettings().databaseUrl, file, dump, (total) => `dumped ${total} rows to ${file}`);
    });
  program
    .command('load <FILE>')
    .description(
      'load a dump into an empty database, keeping ids and times (logged as LOAD); ' +
        'a missing database is created and migrated first, as `npm start` does',
    )
    .action(async (file: string) => {
      const settings = readSettings();
      // Fails before anything is created when FILE cannot be read (a mistyped name).
      await readingFile(file, (name) => access(name, constants.R_OK));
      // A dump is most often restored into a new database: prepare it as a server would,
      // so the loaded rows land in the same schema and storage (TimescaleDB, compression).
      // load() itself still refuses a database that holds data.
      const { created } = await prepareDatabase(settings.databaseUrl, {
        timescaledb: settings.timescaledb,
        compressAfterDays: settings.compressAfterDays,
      });
      if (created) process.stdout.write(`${createdNotice(settings.databaseUrl)}\n`);
      await transfer(settings.databaseUrl, file, load, (total) => `loaded ${total} rows from ${file}`);
    });
}
