import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import type { Runtime } from '../../workers/runtime.js';
import { createMarket, type TestMarket, waitFor } from '../helpers/market.js';
import { sleep, useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { startTestRuntime } from '../helpers/runtime.js';

const t = useDatabase();
const redis = redisPrefix();
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime(t.db, redis.prefix);
});
afterAll(async () => {
  await runtime?.stop();
  await redis.clean();
});

/** Sleeps until `offset` ms after the next boundary S of `seconds` with S mod `modulo` = `phase`; returns S. */
async function nextBoundary(
  seconds: number,
  offset: number,
  modulo = seconds * 1000,
  phase = 0,
): Promise<number> {
  let s = intervalStart(Date.now(), seconds).getTime() + seconds * 1000;
  while (s % modulo !== phase) s += seconds * 1000;
  await sleep(s + offset - Date.now());
  return s;
}

async function until(at: number, what: string): Promise<void> {
  await sleep(at - Date.now());
  // A machine stalled past the instant this step needs tells so, rather than a wrong answer.
  if (Date.now() > at + 400) throw new Error(`test ran late: ${what} at ${Date.now() - at} ms past its time`);
}

/**
 * Places one order the way intake does: `interval_start` is the start of the interval of
 * `seconds` open now, and it is promised to clear at the end of that interval.
 */
async function order(market: TestMarket, seconds: number, device: number, side: 'buy' | 'sell') {
  const now = Date.now();
  const start = intervalStart(now, seconds).getTime();
  const row = await t.db.order.add({
    device_id: market.devices[device]!,
    resource_id: market.resourceId,
    interval_start: new Date(start),
    side,
    quantity: 2,
    price: side === 'buy' ? 40 : 10,
  });
  return { uniqueId: row.unique_id, intervalStart: start, clearsAt: start + seconds * 1000 };
}

type Placed = Awaited<ReturnType<typeof order>>;

async function marketIntervals(market: TestMarket) {
  const { rows } = await t.db.sql.query(
    `SELECT m.interval_start, m.interval_end, m.price_id, p.interval_seconds
     FROM market_interval m JOIN price p USING (price_id) WHERE m.resource_id = $1 ORDER BY m.interval_start`,
    [market.resourceId],
  );
  return rows.map((r) => ({
    start: r.interval_start.getTime() as number,
    end: r.interval_end.getTime() as number,
    priceId: r.price_id as number,
    seconds: r.interval_seconds as number,
  }));
}

/** Every version of an order that says CLEARED, with the interval it cleared in. */
async function clearings(uniqueId: string) {
  const { rows } = await t.db.sql.query(
    `SELECT o.created, m.interval_start, m.interval_end FROM "order" o
     JOIN market_interval m ON m.price_id = o.price_id
     WHERE o.unique_id = $1 AND o.status = 'CLEARED'`,
    [uniqueId],
  );
  return rows.map((r) => ({
    at: r.created.getTime() as number,
    start: r.interval_start.getTime() as number,
    end: r.interval_end.getTime() as number,
  }));
}

/** Contiguous, each interval written once; every order placed cleared exactly once. */
async function expectWellFormed(market: TestMarket, placed: readonly Placed[]) {
  const intervals = await marketIntervals(market);
  for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.start).toBe(intervals[i - 1]!.end);
  const { rows: twice } = await t.db.sql.query(
    `SELECT unique_id FROM "order" WHERE resource_id = $1 AND status = 'CLEARED'
     GROUP BY unique_id HAVING count(*) > 1`,
    [market.resourceId],
  );
  expect(twice).toEqual([]);
  for (const p of placed) expect(await clearings(p.uniqueId), p.uniqueId).toHaveLength(1);
}

/** The order cleared in the interval that ends at its clears_at, once that time had come. */
async function expectClearedAtPromise(p: Placed) {
  const [c] = await clearings(p.uniqueId);
  expect(c, `order placed for ${new Date(p.intervalStart).toISOString()}`).toBeDefined();
  expect(c!.end).toBe(p.clearsAt);
  expect(c!.at).toBeGreaterThanOrEqual(p.clearsAt);
  expect(c!.at - p.clearsAt).toBeLessThan(5_000);
}

async function clearedThrough(market: TestMarket, time: number) {
  await waitFor(`intervals cleared through ${new Date(time).toISOString()}`, async () =>
    (await marketIntervals(market)).some((i) => i.end >= time),
  );
}

describe('a change of interval', () => {
  it('to a shorter one clears the orders placed under the old one at their clears_at, then follows the new grid', async () => {
    const market = await createMarket(t.db, 'shorter', 2, 4);
    await waitFor('the runtime clearing it', async () => (await marketIntervals(market)).length > 0);
    const S = await nextBoundary(2, 100);
    const placed = [await order(market, 2, 0, 'buy'), await order(market, 2, 2, 'sell')];
    // After the first point of the new grid, still before the change: the order.
    await until(S + 1_050, 'an order under the old interval');
    placed.push(await order(market, 2, 1, 'buy'));
    await until(S + 1_150, 'the change');
    await t.db.config.set({ system_id: market.systemId, name: 'interval', value: '1' });
    expect(Date.now()).toBeLessThan(S + 2_000);
    for (const p of placed) expect(p.clearsAt).toBe(S + 2_000);
    // Placed with the new interval before the old one ended: promised S + 2 s too.
    await sleep(150);
    const newGrid = [await order(market, 1, 3, 'sell')];
    await until(S + 2_200, 'an order on the new grid');
    newGrid.push(await order(market, 1, 0, 'buy'));
    await clearedThrough(market, S + 4_000);

    for (const p of [...placed, ...newGrid]) await expectClearedAtPromise(p);
    const intervals = (await marketIntervals(market)).filter((i) => i.start >= S && i.end <= S + 4_000);
    expect(intervals.map((i) => [i.start - S, i.end - S, i.seconds])).toEqual([
      [0, 2_000, 2],
      [2_000, 3_000, 1],
      [3_000, 4_000, 1],
    ]);
    await expectWellFormed(market, [...placed, ...newGrid]);
  }, 30_000);

  it('to a longer one clears the orders placed under the old one at their clears_at; none placed meanwhile is left open', async () => {
    const market = await createMarket(t.db, 'longer', 1, 4);
    await waitFor('the runtime clearing it', async () => (await marketIntervals(market)).length > 0);
    // S = 3k + 1 s: the 3 s grid starts 1 s before it, so orders given the new interval
    // while [S, S + 1 s) is open start before S.
    const S = await nextBoundary(1, 100, 3_000, 1_000);
    const placed = [await order(market, 1, 0, 'buy'), await order(market, 1, 2, 'sell')];
    await until(S + 300, 'the change');
    await t.db.config.set({ system_id: market.systemId, name: 'interval', value: '3' });
    expect(Date.now()).toBeLessThan(S + 1_000);
    for (const p of placed) expect(p.clearsAt).toBe(S + 1_000);
    await sleep(150);
    // Given the new interval while the old one is still open: carried into it.
    const during = await order(market, 3, 1, 'buy');
    expect(during.intervalStart).toBe(S - 1_000);
    await until(S + 1_300, 'an order in the short interval up to the new grid');
    const after = await order(market, 3, 3, 'sell');
    expect(after).toMatchObject({ intervalStart: S - 1_000, clearsAt: S + 2_000 });
    await clearedThrough(market, S + 5_000);

    for (const p of [...placed, after]) await expectClearedAtPromise(p);
    const [carried] = await clearings(during.uniqueId);
    expect(carried).toMatchObject({ start: S, end: S + 1_000 });
    const intervals = (await marketIntervals(market)).filter((i) => i.start >= S && i.end <= S + 5_000);
    expect(intervals.map((i) => [i.start - S, i.end - S, i.seconds])).toEqual([
      [0, 1_000, 1],
      [1_000, 2_000, 1],
      [2_000, 5_000, 3],
    ]);
    await expectWellFormed(market, [...placed, during, after]);
  }, 30_000);
});
