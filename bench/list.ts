import type { Fields } from '../storage/index.js';
import { describeStorage } from '../storage/index.js';
import { random } from './book.js';
import { onBenchDatabase } from './database.js';
import { createDevices, DAY_MS, INTERVAL_MS, orderRows } from './fixtures.js';
import { type Benchmark, plan, type Side, spread, timed } from './harness.js';

/** Orders each device holds: one per interval over this many intervals. */
const ORDERS_PER_DEVICE = 100;

/**
 * The reads a customer and an anonymous caller can ask for over big tables, each against
 * a primary-key lookup of one row of the same table in the same run:
 * - the list of one device's orders (`GET /api/v1/orders?device_id=`: `db.order.list`
 *   with the device as filter, a page of 100) over `rows` orders of many devices;
 * - one day of price history (`GET /api/v1/prices?resource=&from=&to=`: priceHistory,
 *   288 prices) over `rows` 5-minute prices.
 * Neither read may grow with the table: each should cost a small multiple of one
 * indexed row, whatever `rows` is.
 */
export const list: Benchmark<{ rows: number; queries: number }> = {
  ...plan(
    'list',
    'queries',
    [
      { rows: 100_000, queries: 50 },
      { rows: 1_000_000, queries: 200 },
    ],
    [3, 7],
  ),
  description:
    "one device's orders (a page of 100) and one day of price history over tables of `rows` rows vs primary-key lookups",
  targets: [{ compare: 'time', baseline: 'order by primary key', op: 'report', value: 0 }],
  prepare: ({ rows, queries }) =>
    onBenchDatabase(async (bench) => {
      const { db, mode } = bench;
      const owners = await createDevices(db, rows / ORDERS_PER_DEVICE);
      const first = Date.UTC(2030, 0, 1);
      for (let k = 0; k < ORDERS_PER_DEVICE; k++) {
        await db.order.addMany(
          orderRows(owners, owners.devices.length, new Date(first + k * INTERVAL_MS), k),
        );
      }
      const priceFrom = Date.UTC(2020, 0, 1);
      await db.price.addMany(priceRows(owners.resourceId, priceFrom, rows));
      await bench.raw.query('ANALYZE "order"');
      await bench.raw.query('ANALYZE price');
      const ids = async (table: string) => {
        const { rows: r } = await bench.raw.query(
          `SELECT min(${table}_id)::bigint AS lo, max(${table}_id)::bigint AS hi FROM "${table}"`,
        );
        return { lo: Number(r[0].lo), hi: Number(r[0].hi) };
      };
      const orderIds = await ids('order');
      const priceIds = await ids('price');
      const next = random(5);
      const pick = (range: { lo: number; hi: number }) =>
        Array.from({ length: queries }, () => range.lo + Math.floor(next() * (range.hi - range.lo + 1)));
      const orderPicks = pick(orderIds);
      const pricePicks = pick(priceIds);
      const devices = Array.from(
        { length: queries },
        () => owners.devices[Math.floor(next() * owners.devices.length)]!,
      );
      const days = Math.floor((rows * INTERVAL_MS) / DAY_MS) - 1;
      const dayStarts = Array.from({ length: queries }, () => priceFrom + Math.floor(next() * days) * DAY_MS);

      // Each answer is checked once: a page of the device's orders, a full day of prices.
      const page = await db.order.list({ where: { device_id: devices[0] }, limit: 100 });
      if (page.length !== ORDERS_PER_DEVICE || page.some((o) => o.device_id !== devices[0])) {
        throw new Error(`list: device ${devices[0]} listed ${page.length} orders of ${ORDERS_PER_DEVICE}`);
      }
      const day = (i: number) => ({
        resourceId: owners.resourceId,
        from: new Date(dayStarts[i]!),
        to: new Date(dayStarts[i]! + DAY_MS),
        asof: null,
      });
      const history = await db.priceHistory(day(0), 10_001);
      if (history.length !== DAY_MS / INTERVAL_MS) {
        throw new Error(`list: one day of price history read ${history.length} prices`);
      }

      // Every side's times, round by round, for the price-history ratio in `extra`.
      const ms = new Map<string, number[]>();
      const side = (name: string, one: (i: number) => Promise<unknown>): Side => ({
        name,
        async run() {
          const sample = await timed(queries, async () => {
            for (let i = 0; i < queries; i++) await one(i);
          });
          ms.set(name, [...(ms.get(name) ?? []), sample.ms]);
          return sample;
        },
      });
      const ratio = (a: string, b: string) => {
        const x = ms.get(a) ?? [];
        const y = ms.get(b) ?? [];
        // The first sample of each side is the warm-up.
        return spread(x.slice(1).map((v, r) => v / y[r + 1]!)).median;
      };
      const round = (v: number) => Math.round(v * 100) / 100;
      return {
        path: side("one device's orders", (i) =>
          db.order.list({ where: { device_id: devices[i] }, limit: 100 }),
        ),
        baselines: [
          side('order by primary key', (i) =>
            bench.raw.query('SELECT * FROM "order" WHERE order_id = $1', [orderPicks[i]]),
          ),
          side('one day of prices', (i) => db.priceHistory(day(i), 10_001)),
          side('price by primary key', (i) =>
            bench.raw.query('SELECT * FROM price WHERE price_id = $1', [pricePicks[i]]),
          ),
        ],
        extra: async () => ({
          storage: describeStorage(mode),
          orders: rows,
          prices: rows,
          ordersPerPage: ORDERS_PER_DEVICE,
          pricesPerDay: DAY_MS / INTERVAL_MS,
          // Time of one day of prices over a primary-key lookup of one price (median of rounds).
          historyTimeRatio: round(ratio('one day of prices', 'price by primary key')),
        }),
        close: () => bench.drop(),
      };
    }),
};

/** `n` cleared 5-minute prices of one resource from `first`. */
function priceRows(resourceId: number, first: number, n: number): Fields<'price'>[] {
  const next = random(13);
  return Array.from({ length: n }, (_, k) => ({
    resource_id: resourceId,
    interval_start: new Date(first + k * INTERVAL_MS),
    interval_seconds: 300,
    price: Math.round((30 + next() * 40) * 100) / 100,
    quantity: Math.round((200 + next() * 800) * 1000) / 1000,
    type: 'PRICE',
  }));
}
