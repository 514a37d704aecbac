import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../workers/runtime.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createMarket, type TestMarket, waitFor } from '../helpers/market.js';
import { openTestHandle, sleep, type TestHandle, useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { startTestRuntime } from '../helpers/runtime.js';

const first = useDatabase();
const redis = redisPrefix();
const runtimes: Runtime[] = [];
let secondTest: TestDatabase;
let second: TestHandle;

beforeAll(async () => {
  // The second deployment's database is new and empty, as with a mistyped DATABASE_URL.
  secondTest = await createTestDatabase();
  second = await openTestHandle(secondTest.url);
});
afterAll(async () => {
  for (const r of runtimes) await r.stop();
  await second?.close();
  await secondTest?.drop();
  await redis.clean();
});

async function start(db: TestHandle): Promise<Runtime> {
  // Both deployments on the same prefix, as two servers with the default QUEUE_PREFIX.
  const runtime = await startTestRuntime(db, redis.prefix, { log: pino({ level: 'silent' }) });
  runtimes.push(runtime);
  return runtime;
}

async function intervals(db: TestHandle, market: TestMarket, since: number) {
  const { rows } = await db.sql.query(
    'SELECT interval_start, interval_end FROM market_interval WHERE resource_id = $1 AND interval_start >= $2 ORDER BY interval_start',
    [market.resourceId, new Date(since)],
  );
  return rows.map((r) => [r.interval_start.getTime(), r.interval_end.getTime()] as const);
}

describe('two deployments on one Redis prefix', () => {
  it('each keeps clearing its own database; neither removes the other’s schedulers', async () => {
    const a = await createMarket(first.db, 'first', 1, 2);
    await start(first.db);
    await waitFor('the first clearing', async () => (await intervals(first.db, a, 0)).length >= 2);

    await start(second);
    const joined = Date.now();
    // The second database then gets a system of its own, with ids the first does not use.
    await second.sql.query("SELECT setval(pg_get_serial_sequence('system', 'system_id'), 100)");
    await second.sql.query("SELECT setval(pg_get_serial_sequence('resource', 'resource_id'), 100)");
    const b = await createMarket(second, 'second', 1, 2);
    await sleep(5_000);

    for (const [db, market] of [
      [first.db, a],
      [second, b],
    ] as const) {
      const rows = await intervals(db, market, joined);
      expect(rows.length, market === a ? 'first' : 'second').toBeGreaterThanOrEqual(3);
      for (let i = 1; i < rows.length; i++) expect(rows[i]![0]).toBe(rows[i - 1]![1]);
      // Still clearing at the end, not just catching up once.
      expect(rows.at(-1)![1]).toBeGreaterThan(Date.now() - 2_500);
    }
  }, 40_000);
});
