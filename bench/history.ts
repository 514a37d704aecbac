import { isDeepStrictEqual } from 'node:util';
import type { Fields } from '../storage/index.js';
import type { PriceBucket, PriceRange } from '../storage/index.js';
import { describeStorage } from '../storage/index.js';
import { random } from './book.js';
import { onBenchDatabase } from './database.js';
import { DAY_MS, INTERVAL_MS } from './fixtures.js';
import { type Benchmark, plan, type Side, spread, timed } from './harness.js';

const HOUR = 3_600;
const DAY = 86_400;
/** Rounds of the 1-day comparison reported beside the measured 1-hour one. */
const DAY_ROUNDS = 7;

/**
 * The price-history bucket query (`GET /api/v1/prices?bucket=…`) over the last `days` days
 * of 5-minute prices of one resource, as the API asks it (from now − days to now, so the
 * partial buckets at either end come from `price`): 1-hour buckets from the continuous
 * aggregates of migration 6 against the same call computed from the `price` table.
 * The aggregates are refreshed first, as a deployment's refresh policies would have done.
 * 1-day buckets are compared the same way and reported beside. On plain PostgreSQL there
 * are no aggregates, so both sides read `price` and the ratio is about 1.
 */
export const history: Benchmark<{ days: number; queries: number }> = {
  ...plan(
    'history',
    'queries',
    [
      { days: 7, queries: 20 },
      { days: 30, queries: 50 },
    ],
    [5, 7],
  ),
  description:
    '1h price buckets over days of 5-minute prices: continuous aggregate (TimescaleDB; raw price on plain PostgreSQL) vs raw price',
  targets: [{ compare: 'rate', baseline: 'raw price', op: 'report', value: 0 }],
  prepare: ({ days, queries }) =>
    onBenchDatabase(async (bench) => {
      const { db, mode } = bench;
      const aggregates = mode.kind === 'timescaledb';
      const resourceId = (await db.resource.find({ system_id: await db.systemId(), name: 'capacity' }))!;
      const now = Date.now();
      const intervals = (days * DAY_MS) / INTERVAL_MS;
      // The newest price is of the last interval that closed.
      const last = Math.floor(now / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
      const rows = priceRows(resourceId, last - (intervals - 1) * INTERVAL_MS, intervals);
      await db.price.addMany(rows);
      await bench.raw.query('ANALYZE price');
      if (aggregates) {
        // One at a time, each over the one below (hierarchical); not in a transaction.
        for (const view of ['price_5m', 'price_1h', 'price_1d']) {
          await bench.raw.query(`CALL refresh_continuous_aggregate('${view}', NULL, NULL)`);
        }
      }
      const range: PriceRange = {
        resourceId,
        from: new Date(now - days * DAY_MS),
        to: new Date(now),
        asof: null,
      };
      // Unless now is on a 5-minute boundary, the oldest price starts just before the range.
      const inRange = rows.filter((r) => (r.interval_start as Date) >= range.from).length;
      const buckets: Record<string, number> = {};
      for (const [label, width] of [
        ['1h', HOUR],
        ['1d', DAY],
      ] as const) {
        buckets[label] = sameBuckets(
          await db.priceBuckets(range, width, aggregates),
          await db.priceBuckets(range, width, false),
          inRange,
          width,
        );
      }
      const side = (name: string, useAggregates: boolean, width: number): Side => ({
        name,
        run: () =>
          timed(queries, async () => {
            for (let i = 0; i < queries; i++) await db.priceBuckets(range, width, useAggregates);
          }),
      });
      const pathName = aggregates ? 'continuous aggregate' : 'raw price (no aggregates)';
      return {
        path: side(pathName, aggregates, HOUR),
        baselines: [side('raw price', false, HOUR)],
        extra: async () => ({
          storage: describeStorage(mode),
          ...(aggregates ? {} : { note: 'plain PostgreSQL: both sides read the price table' }),
          prices: intervals,
          buckets,
          // The same comparison for 1-day buckets: ms per side for `queries` queries.
          '1d': await compare(side(pathName, aggregates, DAY), side('raw price', false, DAY)),
        }),
        close: () => bench.drop(),
      };
    }),
};

/**
 * `n` cleared 5-minute intervals from `first`: a daily shape (trough at 06:00 UTC, peak at 18:00)
 * with noise, prices in cents, quantities of 200–1000 to three decimals; about one
 * interval in forty clears nothing (quantity 0), as a market with no crossing does.
 */
function priceRows(resourceId: number, first: number, n: number): Fields<'price'>[] {
  const next = random(11);
  return Array.from({ length: n }, (_, k) => {
    const start = first + k * INTERVAL_MS;
    const hour = (start % DAY_MS) / 3_600_000;
    const shape = 45 + 20 * Math.sin(((hour - 12) / 24) * 2 * Math.PI) + (next() - 0.5) * 12;
    const cleared = next() >= 0.025;
    return {
      resource_id: resourceId,
      interval_start: new Date(start),
      interval_seconds: 300,
      price: Math.round(shape * 100) / 100,
      quantity: cleared ? Math.round((200 + next() * 800) * 1000) / 1000 : 0,
      type: cleared ? 'PRICE' : 'NULL',
    };
  });
}

/** The number of buckets; throws unless both answers are the same buckets and cover every price. */
function sameBuckets(
  path: readonly PriceBucket[],
  raw: readonly PriceBucket[],
  prices: number,
  width: number,
): number {
  const counted = raw.reduce((s, b) => s + b.intervals, 0);
  if (counted !== prices) throw new Error(`history: ${width}s buckets count ${counted} prices of ${prices}`);
  if (isDeepStrictEqual(path, raw)) return raw.length;
  const found = path.findIndex((b, k) => !isDeepStrictEqual(b, raw[k]));
  const i = found === -1 ? path.length : found;
  throw new Error(
    `history: ${width}s buckets differ (${path.length} vs ${raw.length} buckets), first at ${i}: ` +
      `${JSON.stringify(path[i])} vs ${JSON.stringify(raw[i])}`,
  );
}

/**
 * A second pair of sides measured as the harness measures the first (a warm-up, then
 * rounds alternating which runs first), for `extra`: medians of ms per side and of the
 * per-round rate ratio.
 */
async function compare(path: Side, raw: Side) {
  const sides = [path, raw];
  const ms: number[][] = [[], []];
  for (const side of sides) await side.run();
  for (let r = 0; r < DAY_ROUNDS; r++) {
    for (const i of r % 2 ? [1, 0] : [0, 1]) ms[i]!.push((await sides[i]!.run()).ms);
  }
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    [path.name]: round(spread(ms[0]!).median),
    [raw.name]: round(spread(ms[1]!).median),
    rateRatio: round(spread(ms[0]!.map((p, r) => ms[1]![r]! / p)).median),
  };
}
