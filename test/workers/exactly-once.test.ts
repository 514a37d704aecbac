import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import { listMarkets } from '../../storage/markets.js';
import { clearDue } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket, placeOrders } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(2);
afterAll(() => pool.close());

describe('exactly once', () => {
  it('the same market job delivered twice, at once, writes one result', async () => {
    const market = await createMarket(t.db, 'twice', 60, 4);
    // For the next interval, so that the orders are in time even when the open one ends
    // while they are written.
    const next = Date.now() + 60_000;
    const start = await placeOrders(
      t.db,
      market,
      60,
      [
        { device: 0, side: 'buy', quantity: 3, price: 50 },
        { device: 1, side: 'buy', quantity: 2, price: 45 },
        { device: 2, side: 'sell', quantity: 4, price: 20 },
        { device: 3, side: 'sell', quantity: 4, price: 48 },
      ],
      next,
    );
    const boundary = new Date(start.getTime() + 60_000);
    const [m] = (await listMarkets(t.db.sql, [market.systemId])).filter(
      (x) => x.resourceId === market.resourceId,
    );
    const deps = { db: t.db, pool, log: pino({ level: 'silent' }) };
    const [a, b] = await Promise.all([clearDue(deps, m!, boundary), clearDue(deps, m!, boundary)]);
    const written = [...a!, ...b!].filter((o) => o.from.getTime() === start.getTime());
    expect(written).toHaveLength(2);
    expect(written.filter((o) => o.price !== null)).toHaveLength(1);
    const { rows } = await t.db.sql.query(
      `SELECT (SELECT count(*)::int FROM price WHERE resource_id = $1 AND interval_start = $2) AS prices,
              (SELECT count(*)::int FROM "order" WHERE resource_id = $1 AND interval_start = $2 AND status = 'CLEARED') AS cleared,
              (SELECT count(*)::int FROM transaction t JOIN price p USING (price_id) WHERE p.resource_id = $1) AS money`,
      [market.resourceId, start],
    );
    expect(rows[0]).toEqual({ prices: 1, cleared: 4, money: 3 });
    // A third delivery later finds the committed result and does nothing.
    const again = await clearDue(deps, m!, boundary);
    expect(again.every((o) => o.price === null)).toBe(true);
  });

  it('intervals missed while nothing ran are cleared in order, each with the orders it had', async () => {
    const seconds = 60;
    const market = await createMarket(t.db, 'missed', seconds, 2);
    const [m] = (await listMarkets(t.db.sql, [market.systemId])).filter(
      (x) => x.resourceId === market.resourceId,
    );
    // Orders for four consecutive intervals, each its own, written before the first opens
    // (so every one is in time whatever the machine's speed); nothing clears them until
    // the clearing is handed the boundary after the fourth, as after downtime.
    const first = intervalStart(Date.now(), seconds).getTime() + seconds * 1000;
    for (let k = 0; k < 4; k++) {
      await placeOrders(
        t.db,
        market,
        seconds,
        [
          { device: 0, side: 'buy', quantity: 1 + k, price: 30 + k },
          { device: 1, side: 'sell', quantity: 10, price: 10 },
        ],
        first + k * seconds * 1000,
      );
    }
    const boundary = first + 4 * seconds * 1000;
    const deps = { db: t.db, pool, log: pino({ level: 'silent' }) };
    const outcomes = await clearDue(deps, m!, new Date(boundary));
    const written = outcomes.filter((o) => o.from.getTime() >= first);
    expect(written.map((o) => o.from.getTime())).toEqual([0, 1, 2, 3].map((k) => first + k * seconds * 1000));
    // Each interval cleared exactly its own orders: the buy of 1+k (the seller is marginal).
    for (let k = 0; k < 4; k++) {
      expect(written[k]!.price).toMatchObject({ quantity: 1 + k, type: 'SELLER', price: 10 });
    }
    const { rows } = await t.db.sql.query(
      'SELECT interval_start FROM price WHERE resource_id = $1 AND interval_start >= $2 ORDER BY created, price_id',
      [market.resourceId, new Date(first)],
    );
    expect(rows.map((r) => r.interval_start.getTime())).toEqual(written.map((o) => o.from.getTime()));
  });
});
