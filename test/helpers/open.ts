import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { newPool } from '../../storage/connection.js';
import { type Database, openDatabase } from '../../storage/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/**
 * A Database handle with a pool of raw connections to the same database beside it
 * (`sql`, parsing values as the handle does), for what tests check around storage: raw
 * SQL, counts, DDL, statements the handle refuses. close() closes both.
 */
export type TestHandle = Database & { readonly sql: pg.Pool };

export async function openTestHandle(
  url: string,
  options: Parameters<typeof openDatabase>[1] = {},
): Promise<TestHandle> {
  const db = await openDatabase(url, options);
  const sql = newPool(url, options.poolSize ?? 10);
  const close = db.close.bind(db);
  return Object.assign(db, {
    sql,
    async close() {
      await sql.end();
      await close();
    },
  });
}

/** A private migrated database and an open handle for one test file, dropped afterwards. */
export function useDatabase(options: { system?: string } = {}): { db: TestHandle; test: TestDatabase } {
  const ref = {} as { db: TestHandle; test: TestDatabase };
  beforeAll(async () => {
    ref.test = await createTestDatabase();
    ref.db = await openTestHandle(ref.test.url, options);
  });
  afterAll(async () => {
    await ref.db?.close();
    await ref.test?.drop();
  });
  return ref;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
