import { afterAll, beforeAll } from 'vitest';
import { type Database, openDatabase } from '../../storage/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** A private migrated database and an open handle for one test file, dropped afterwards. */
export function useDatabase(options: { system?: string } = {}): { db: Database; test: TestDatabase } {
  const ref = {} as { db: Database; test: TestDatabase };
  beforeAll(async () => {
    ref.test = await createTestDatabase();
    ref.db = await openDatabase(ref.test.url, options);
  });
  afterAll(async () => {
    await ref.db?.close();
    await ref.test?.drop();
  });
  return ref;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
