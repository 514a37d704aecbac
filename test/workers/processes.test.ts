import { afterAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import { createMarket, type TestMarket, waitFor } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { startWorker, type WorkerProcess } from '../helpers/worker-process.js';

const t = useDatabase();
const redis = redisPrefix();
const running: WorkerProcess[] = [];
afterAll(async () => {
  for (const w of running) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await Promise.all(running.map((w) => w.exited));
  await redis.clean();
});

function worker(env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const w = startWorker(t.test.url, redis.prefix, env);
  running.push(w);
  return w;
}

/**
 * Fills the NEXT interval with `n` orders (half buys, half sells) and returns its start:
 * writing them takes a while on a busy machine, and every one must be written before
 * that interval ends to count as placed during it.
 */
async function bigInterval(market: TestMarket, seconds: number, n: number): Promise<Date> {
  const start = new Date(intervalStart(Date.now(), seconds).getTime() + seconds * 1000);
  await t.db.order.addMany(
    Array.from({ length: n }, (_, i) => ({
      device_id: market.devices[i % market.devices.length]!,
      resource_id: market.resourceId,
      interval_start: start,
      side: i % 2 ? ('sell' as const) : ('buy' as const),
      quantity: 1 + (i % 5),
      price: 10 + (i % 97),
    })),
  );
  return start;
}

/**
 * Resolves once the worker writes order versions with COPY (mid-interval, before commit)
 * and is still at it 300 ms later: the empty intervals cleared on catching up COPY no
 * rows and are over at once, and a signal during one of those would miss the interval
 * under test.
 */
async function copyInProgress(): Promise<true> {
  const copying = async (): Promise<string | null> => {
    const { rows } = await t.db.sql.query(
      `SELECT pid::text || '/' || query_start::text AS id FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND query LIKE 'COPY "order" (%' AND state = 'active'`,
    );
    return rows[0]?.id ?? null;
  };
  return waitFor(
    'a clearing COPY',
    async () => {
      const seen = await copying();
      if (seen === null) return false;
      await new Promise((r) => setTimeout(r, 300));
      return (await copying()) === seen;
    },
    30_000,
  );
}

async function intervalState(resourceId: number, start: Date) {
  const { rows } = await t.db.sql.query(
    `SELECT (SELECT count(*)::int FROM price WHERE resource_id = $1 AND interval_start = $2) AS prices,
            (SELECT count(*)::int FROM market_interval WHERE resource_id = $1 AND interval_start = $2) AS marks,
            (SELECT count(*)::int FROM "order" WHERE resource_id = $1 AND interval_start = $2 AND status = 'CLEARED') AS cleared,
            (SELECT count(*)::int FROM transaction x JOIN price p USING (price_id) WHERE p.resource_id = $1 AND p.interval_start = $2) AS money,
            (SELECT coalesce(sum(amount), 0)::float8 FROM transaction x JOIN price p USING (price_id) WHERE p.resource_id = $1 AND p.interval_start = $2) AS total`,
    [resourceId, start],
  );
  return rows[0];
}

describe('worker processes', () => {
  it('a worker killed mid-interval leaves nothing; the retry writes the interval whole', async () => {
    const seconds = 5;
    const market = await createMarket(t.db, 'killed', seconds, 50);
    const n = 60_000;
    const start = await bigInterval(market, seconds, n);
    const a = worker();
    await copyInProgress().catch((e) => {
      throw new Error(`${e.message}; worker said: ${JSON.stringify(a.lines.slice(-5))}`);
    });
    a.child.kill('SIGKILL');
    await a.exited;
    expect(await intervalState(market.resourceId, start)).toMatchObject({
      prices: 0,
      marks: 0,
      cleared: 0,
      money: 0,
    });

    const b = worker();
    const done = await waitFor(
      'the retried interval',
      async () => {
        const s = await intervalState(market.resourceId, start);
        return s.prices === 1 && s;
      },
      40_000,
    );
    expect(done).toMatchObject({ prices: 1, marks: 1, cleared: n, total: 0 });
    expect(done.money).toBeGreaterThan(0);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 90_000);

  it('SIGTERM finishes the interval in flight, then exits 0', async () => {
    const seconds = 5;
    const market = await createMarket(t.db, 'graceful', seconds, 50);
    const n = 60_000;
    const start = await bigInterval(market, seconds, n);
    const w = worker();
    await copyInProgress().catch((e) => {
      throw new Error(`${e.message}; worker said: ${JSON.stringify(w.lines.slice(-8))}`);
    });
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(await intervalState(market.resourceId, start)).toMatchObject({
      prices: 1,
      marks: 1,
      cleared: n,
      total: 0,
    });
    expect(w.lines.some((l) => l['msg'] === 'interval cleared' && l['orders'] === n)).toBe(true);
    expect(w.lines.at(-1)).toMatchObject({ msg: 'stopped' });
  }, 90_000);

  it('two workers share markets and never clear a market-interval twice; an interval change applies at once', async () => {
    const seconds = 1;
    const markets: TestMarket[] = [];
    for (let i = 0; i < 3; i++) markets.push(await createMarket(t.db, `shared${i}`, seconds, 2));
    const a = worker();
    const b = worker();
    const started = Date.now();
    // Orders keep arriving while both run.
    while (Date.now() - started < 4_000) {
      for (const m of markets) {
        await t.db.order.addMany([
          {
            device_id: m.devices[0]!,
            resource_id: m.resourceId,
            interval_start: intervalStart(Date.now(), seconds),
            side: 'buy',
            quantity: 2,
            price: 50,
          },
          {
            device_id: m.devices[1]!,
            resource_id: m.resourceId,
            interval_start: intervalStart(Date.now(), seconds),
            side: 'sell',
            quantity: 3,
            price: 20,
          },
        ]);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    // Change the first system's interval to 2 s while they run.
    await t.db.config.set({ system_id: markets[0]!.systemId, name: 'interval', value: '2' });
    const changedAt = Date.now();
    await waitFor(
      'a 2 s interval',
      async () => {
        const { rows } = await t.db.sql.query(
          'SELECT 1 FROM price WHERE resource_id = $1 AND interval_seconds = 2 AND created > $2',
          [markets[0]!.resourceId, new Date(changedAt)],
        );
        return rows.length > 0;
      },
      15_000,
    );
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    const { rows: dup } = await t.db.sql.query(
      'SELECT resource_id, interval_start, count(*)::int AS n FROM price GROUP BY 1, 2 HAVING count(*) > 1',
    );
    expect(dup).toEqual([]);
    const { rows: counts } = await t.db.sql.query(
      'SELECT (SELECT count(*)::int FROM price) AS prices, (SELECT count(*)::int FROM market_interval) AS marks',
    );
    expect(counts[0].prices).toBe(counts[0].marks);
    // Consecutive, non-overlapping intervals per market, and each cleared order settled once.
    for (const m of markets) {
      const { rows } = await t.db.sql.query(
        'SELECT interval_start, interval_end FROM market_interval WHERE resource_id = $1 ORDER BY interval_start',
        [m.resourceId],
      );
      expect(rows.length).toBeGreaterThan(3);
      for (let i = 1; i < rows.length; i++) expect(rows[i].interval_start).toEqual(rows[i - 1].interval_end);
    }
    const { rows: twice } = await t.db.sql.query(
      `SELECT o.unique_id FROM transaction x JOIN "order" o ON o.order_id = x.order_id
       GROUP BY o.unique_id HAVING count(*) > 1`,
    );
    expect(twice).toEqual([]);
    // Every interval of these markets was written by exactly one of the two processes.
    const names = new Set(markets.map((_, i) => `shared${i}`));
    const logged = [...a.lines, ...b.lines].filter(
      (l) => l['msg'] === 'interval cleared' && names.has(l['system'] as string),
    );
    const { rows: marks } = await t.db.sql.query(
      'SELECT count(*)::int AS n FROM market_interval WHERE resource_id = ANY($1)',
      [markets.map((m) => m.resourceId)],
    );
    expect(logged.length).toBe(marks[0].n);
    // After the change, the first market's intervals follow the 2 s grid.
    const { rows: after } = await t.db.sql.query(
      'SELECT interval_start, interval_seconds FROM price WHERE resource_id = $1 AND created > $2 ORDER BY interval_start',
      [markets[0]!.resourceId, new Date(changedAt)],
    );
    const last = after.at(-1)!;
    expect(last.interval_seconds).toBe(2);
    expect(last.interval_start.getTime() % 2000).toBe(0);
  }, 90_000);
});
