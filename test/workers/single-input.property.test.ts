import fc from 'fast-check';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { listMarkets, type Market } from '../../storage/markets.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());
const log = pino({ level: 'silent' });

const SECONDS = 60;
const DEVICES = 4;

/** Any double a float8 column with a finiteness check accepts: huge, tiny, subnormal, ±0, negative. */
const anyFinite = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(
    0,
    -0,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    2.2250738585072014e-308,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    1e15,
    -1e15,
    2 ** 53,
    1e-7,
  ),
);
/** Any quantity the order column accepts: finite and above 0. */
const anyQuantity = anyFinite.map(Math.abs).filter((q) => q > 0);

const ordinaryOrder = fc.record({
  device: fc.integer({ min: 0, max: DEVICES - 1 }),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  quantity: fc.integer({ min: 1, max: 5_000_000 }).map((q) => q / 1e6),
  price: fc.integer({ min: -2000, max: 12_000 }).map((p) => p / 100),
});
type OrdinaryOrder = typeof ordinaryOrder extends fc.Arbitrary<infer T> ? T : never;
const ordinaryBook = fc.array(ordinaryOrder, { minLength: 0, maxLength: 12 });

const extreme = fc.oneof(
  fc.record({
    kind: fc.constant('order' as const),
    device: fc.integer({ min: 0, max: DEVICES - 1 }),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    quantity: anyQuantity,
    price: anyFinite,
  }),
  fc.record({
    kind: fc.constant('meter' as const),
    device: fc.integer({ min: 0, max: DEVICES - 1 }),
    quantity: anyFinite,
    // Storage-level writes need not sit on the grid.
    offsetMs: fc.integer({ min: 0, max: SECONDS * 1000 - 1 }),
  }),
);

describe('no single order or meter reading stops a market', () => {
  it('property: with one extreme input written around the API, the interval and the next one are both written, and money sums to zero', async () => {
    const m = await createMarket(t.db, 'single-input', SECONDS, DEVICES);
    const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
    let slot = Date.UTC(2107, 0, 1);

    const place = (from: Date, book: readonly OrdinaryOrder[]) =>
      book.length === 0
        ? Promise.resolve()
        : t.db.order.addMany(
            book.map((o) => ({
              device_id: m.devices[o.device]!,
              resource_id: m.resourceId,
              interval_start: from,
              side: o.side,
              quantity: o.quantity,
              price: o.price,
            })),
          );

    await fc.assert(
      fc.asyncProperty(ordinaryBook, extreme, ordinaryBook, async (first, odd, second) => {
        const from = new Date(slot);
        const next = new Date(slot + SECONDS * 1000);
        const end = new Date(slot + 2 * SECONDS * 1000);
        slot += 2 * SECONDS * 1000;
        await place(from, first);
        // Straight into the table: past storage's and the API's bounds, to the column's own checks.
        if (odd.kind === 'order') {
          await t.db.sql.query(
            `INSERT INTO "order" (device_id, resource_id, interval_start, side, quantity, price)
             VALUES ($1, $2, $3, $4, $5::float8, $6::float8)`,
            [m.devices[odd.device], m.resourceId, from, odd.side, String(odd.quantity), String(odd.price)],
          );
        } else {
          await t.db.sql.query(
            'INSERT INTO meter (device_id, resource_id, interval_start, quantity) VALUES ($1, $2, $3, $4::float8)',
            [
              m.devices[odd.device],
              m.resourceId,
              new Date(from.getTime() + odd.offsetMs),
              String(odd.quantity),
            ],
          );
        }
        await place(next, second);

        const a = await clearMarketInterval({ db: t.db, pool, log }, market as Market, from, next);
        const b = await clearMarketInterval({ db: t.db, pool, log }, market as Market, next, end);
        expect(a.price).not.toBeNull();
        // The next interval, an ordinary book, clears as any other: never a FAILURE.
        expect(b.price).not.toBeNull();
        expect(b.reason).toBeUndefined();

        const { rows } = await t.db.sql.query(
          `SELECT mi.interval_start, mi.reason,
                  (SELECT coalesce(sum(amount), 0)::text FROM transaction x
                   WHERE x.price_id = mi.price_id AND x.order_id IS NOT NULL) AS money,
                  (SELECT count(*)::int FROM "order" o WHERE o.price_id = mi.price_id AND o.cleared_quantity > o.quantity) AS overfilled
           FROM market_interval mi WHERE mi.resource_id = $1 AND mi.interval_start >= $2 AND mi.interval_start < $3
           ORDER BY mi.interval_start`,
          [m.resourceId, from, end],
        );
        expect(rows.map((r) => r.interval_start.getTime())).toEqual([from.getTime(), next.getTime()]);
        for (const r of rows) {
          expect(Number(r.money)).toBe(0);
          expect(r.overfilled).toBe(0);
        }
        // Every order that can clear was closed: none of either interval is left open.
        const open = await t.db.sql.query(
          `SELECT count(*)::int AS n FROM "order" o
           WHERE o.resource_id = $1 AND o.interval_start >= $2 AND o.interval_start < $3 AND o.quantity >= 0.0000005
             AND NOT EXISTS (SELECT 1 FROM "order" c WHERE c.unique_id = o.unique_id AND c.status = 'CLEARED')`,
          [m.resourceId, from, end],
        );
        expect(open.rows[0].n).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
