import type { Command } from 'commander';
import { dump, load, openDatabase } from '../../storage/index.js';
import { progressBar } from '../progress.js';
import { readSettings } from '../settings.js';

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase(readSettings().databaseUrl, { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function registerDump(program: Command): void {
  program
    .command('dump <FILE>')
    .description('write every table, from one consistent snapshot, to FILE (logged as DUMP)')
    .action((file: string) =>
      withDatabase(async (db) => {
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
    .description('load a dump into an empty database, keeping ids and times (logged as LOAD)')
    .action((file: string) =>
      withDatabase(async (db) => {
        const bar = progressBar();
        try {
          const r = await load(db, file, bar.onProgress);
          bar.stop();
          process.stdout.write(`loaded ${r.total} rows from ${file}\n`);
        } finally {
          bar.stop();
        }
      }),
    );
}
