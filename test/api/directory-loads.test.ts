import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../http/directory.js';
import { issueToken } from '../../storage/tokens.js';
import { connectRedis } from '../../workers/redis.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
let redis: Redis;
let subscriber: Redis;
beforeAll(async () => {
  redis = await connectRedis(url);
  subscriber = await connectRedis(url);
});
afterAll(async () => {
  await redis.quit();
  await subscriber.quit();
});

/**
 * Counts the queries run through the database handle while `fn` runs: the directory
 * reads with the handle's bound queries, each one statement.
 */
async function counting(fn: () => Promise<unknown>): Promise<number> {
  const db = t.db as unknown as Record<string, unknown>;
  const originals = Object.entries(db).filter(([, v]) => typeof v === 'function') as [
    string,
    (...a: unknown[]) => unknown,
  ][];
  let n = 0;
  for (const [name, original] of originals) {
    db[name] = (...args: unknown[]) => {
      n++;
      return original(...args);
    };
  }
  try {
    await fn();
  } finally {
    for (const [name, original] of originals) db[name] = original;
  }
  return n;
}

describe('directory loads', () => {
  it('concurrent misses of one token share one query; one begun before an invalidation is not shared after it', async () => {
    const user = await t.db.user.add({
      system_id: await t.db.systemId(),
      name: 'Ada',
      email: 'ada@example.org',
    });
    const { row } = await issueToken(t.db, { userId: user.user_id });
    const directory = new Directory(t.db, redis, subscriber);
    await directory.start();
    try {
      let answers: unknown[] = [];
      const burst = await counting(async () => {
        answers = await Promise.all(Array.from({ length: 50 }, () => directory.principal(row.unique_id)));
      });
      expect(burst).toBe(1);
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(answers[0]).toMatchObject({ token_id: row.token_id });
      // Cached now: no query at all.
      expect(await counting(() => directory.principal(row.unique_id))).toBe(0);

      const around = await counting(async () => {
        directory.clear();
        const before = directory.principal(row.unique_id);
        directory.clear();
        await Promise.all([before, directory.principal(row.unique_id)]);
      });
      expect(around).toBe(2);
    } finally {
      directory.stop();
    }
  });
});
