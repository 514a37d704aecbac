import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { refreshAllPriceAggregates, refreshPriceAggregates } from '../../storage/price-aggregates.js';
import { type PriceRange, priceBuckets } from '../../storage/queries/prices.js';
import { readStorageMode } from '../../storage/storage-mode.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const STEP = 300_000;
const DAY = 86_400_000;
// Three days of 5-minute intervals up to the present, some missing (a market that was off).
const T0 = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY;
const COUNT = Math.floor((Date.now() - T0) / STEP) - 1;
let resourceId: number;
let timescale: boolean;

beforeAll(async () => {
  const { db } = t;
  timescale = (await readStorageMode(db.sql)).kind === 'timescaledb';
  resourceId = (await db.resource.find({ system_id: await db.systemId(), name: 'capacity' }))!;
  const rows = [];
  for (let k = 0; k < COUNT; k++) {
    if (k % 37 === 5) continue;
    rows.push({
      resource_id: resourceId,
      interval_start: new Date(T0 + k * STEP),
      interval_seconds: 300,
      // Prices and quantities with awkward decimals, so any inexact sum would show.
      price: Math.round((40 + 30 * Math.sin(k / 9) + (k % 7) * 0.1) * 1e4) / 1e4 - 20,
      quantity: ((k * 7919) % 1000) / 1000 + (k % 3 === 0 ? 0 : 1.333333),
      type: 'PRICE' as const,
    });
  }
  await db.price.addMany(rows);
});

const range = (from: number, to: number): PriceRange => ({
  resourceId,
  from: new Date(from),
  to: new Date(to),
  asof: null,
});

/** Random ranges inside the data (often unaligned), random widths the aggregates serve. */
const query = fc.record({
  from: fc.integer({ min: T0 - DAY, max: Date.now() }),
  span: fc.integer({ min: STEP, max: 4 * DAY }),
  seconds: fc.constantFrom(300, 3_600, 86_400),
});

async function agree(runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(query, async ({ from, span, seconds }) => {
      const r = range(from, from + span);
      const fromAggregates = await priceBuckets(t.db.sql, r, seconds, timescale);
      const fromPrices = await priceBuckets(t.db.sql, r, seconds, false);
      expect(fromAggregates).toEqual(fromPrices);
    }),
    { numRuns: runs },
  );
}

describe('price history buckets', () => {
  it('the raw query: open, high, low, close, exact volume and volume-weighted price', async () => {
    const [b] = await priceBuckets(t.db.sql, range(T0, T0 + 3_600_000), 3_600, false);
    const { rows } = await t.db.sql.query(
      'SELECT price, quantity FROM price WHERE interval_start >= $1 AND interval_start < $2 ORDER BY interval_start',
      [new Date(T0), new Date(T0 + 3_600_000)],
    );
    const prices = rows.map((r) => r.price as number);
    expect(b).toMatchObject({
      open: prices[0],
      close: prices.at(-1),
      high: Math.max(...prices),
      low: Math.min(...prices),
      intervals: prices.length,
    });
    const volume = rows.reduce((s, r) => s + Math.round(r.quantity * 1e6), 0) / 1e6;
    expect(b!.volume).toBeCloseTo(volume, 9);
  });

  it('continuous aggregates answer exactly as the raw query, before and after materialization', async () => {
    await agree(25);
    if (timescale) await refreshAllPriceAggregates(t.db.sql, new Date());
    await agree(25);
  });

  it('a price written late for an old interval reaches every bucket width once refreshed', async () => {
    const late = new Date(T0 + 5 * STEP); // the interval left out at k = 5
    await t.db.price.add({
      resource_id: resourceId,
      interval_start: late,
      price: 999,
      quantity: 5,
      type: 'PRICE',
    });
    const day = range(T0, T0 + DAY);
    if (timescale) {
      // Below the watermark, real-time aggregation no longer reads `price`: stale until refreshed.
      expect(await priceBuckets(t.db.sql, day, 86_400, true)).not.toEqual(
        await priceBuckets(t.db.sql, day, 86_400, false),
      );
      await refreshPriceAggregates(t.db.sql, late, new Date(late.getTime() + STEP), new Date());
    }
    const [bucket] = await priceBuckets(t.db.sql, day, 86_400, timescale);
    expect(bucket!.high).toBe(999);
    await agree(25);
  });

  it('as-of reads come from the raw table: a price created after the clock is not counted', async () => {
    const before = new Date();
    await t.db.price.add({
      resource_id: resourceId,
      interval_start: new Date(T0 + 42 * STEP),
      price: -500,
      quantity: 1,
      type: 'PRICE',
    });
    const r = { ...range(T0, T0 + DAY), asof: before };
    const [bucket] = await priceBuckets(t.db.sql, r, 86_400, timescale);
    expect(bucket!.low).toBeGreaterThan(-500);
  });
});
