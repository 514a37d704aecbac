import { afterAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import type { IntervalOutcome } from '../../workers/clear-market.js';
import type { Runtime } from '../../workers/runtime.js';
import { createMarket, waitFor } from '../helpers/market.js';
import { sleep, useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { startTestRuntime } from '../helpers/runtime.js';

const t = useDatabase();
const redis = redisPrefix();
let runtime: Runtime | undefined;
afterAll(async () => {
  await runtime?.stop();
  await redis.clean();
});

async function prices(resourceId: number): Promise<{ start: number; created: number }[]> {
  const { rows } = await t.db.sql.query(
    'SELECT interval_start, created FROM price WHERE resource_id = $1 ORDER BY interval_start',
    [resourceId],
  );
  return rows.map((r) => ({ start: r.interval_start.getTime(), created: r.created.getTime() }));
}

describe('mechanism', () => {
  it('NONE takes a system off the market: nothing cleared or published until it is back on AUCTION; history stays', async () => {
    const market = await createMarket(t.db, 'offon', 1, 2);
    const other = await createMarket(t.db, 'stays', 1, 2);
    runtime = await startTestRuntime(t.db, redis.prefix);
    const published: IntervalOutcome[] = [];
    runtime.onCleared((o, m) => {
      if (m.systemId === market.systemId) published.push(o);
    });
    await waitFor('two prices', async () => (await prices(market.resourceId)).length >= 2);

    await t.db.config.set({ system_id: market.systemId, name: 'mechanism', value: 'NONE' });
    const off = Date.now();
    const before = await prices(market.resourceId);
    const seen = published.length;
    // Several intervals pass while the runtime demonstrably runs (the other system clears
    // them): none of them is cleared for the system off the market, nothing is published.
    await sleep(1_500);
    await waitFor(
      'the other system to clear three intervals',
      async () => (await prices(other.resourceId)).filter((p) => p.start >= off).length >= 3,
    );
    const during = await prices(market.resourceId);
    expect(during.filter((p) => p.start >= off)).toEqual([]);
    expect(during.filter((p) => p.created > off + 1_000)).toEqual([]);
    expect(published.slice(seen).filter((o) => o.from.getTime() >= off)).toEqual([]);
    expect(during.slice(0, before.length)).toEqual(before);

    // It comes back with the interval open when the change is written, somewhere in here.
    const back = intervalStart(Date.now(), 1).getTime();
    await t.db.config.set({ system_id: market.systemId, name: 'mechanism', value: 'AUCTION' });
    const on = intervalStart(Date.now(), 1).getTime();
    await waitFor(
      'prices again',
      async () => (await prices(market.resourceId)).filter((p) => p.start >= on).length >= 2,
    );
    const after = await prices(market.resourceId);
    // It resumes with the interval open when it came back; the time off is not backfilled.
    expect(after.filter((p) => p.start >= off && p.start < back)).toEqual([]);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(published.some((o) => o.from.getTime() >= on)).toBe(true);
  }, 40_000);
});
