import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { listMarkets } from '../../storage/markets.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());

describe('order limits at clearing', () => {
  it('per device and interval the first orders by order_id within the limits are kept, the rest left out', async () => {
    const m = await createMarket(t.db, 'limits', 60, 3);
    const setting = (name: string, value: string) => t.db.config.add({ system_id: m.systemId, name, value });
    // The per-resource value wins over the plain one; another resource's is not this market's.
    await setting('device-orders-max', '1');
    await setting('capacity:device-orders-max', '3');
    await setting('other:device-orders-max', '1');
    await setting('device-quantity-max', '5');
    await setting('order-price-max', '1000');
    const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
    expect(market!.config).toMatchObject({
      'device-orders-max': '1',
      'capacity:device-orders-max': '3',
      'device-quantity-max': '5',
    });
    expect(market!.config).not.toHaveProperty('other:device-orders-max');

    const from = new Date(Date.UTC(2104, 0, 1));
    const end = new Date(from.getTime() + 60_000);
    const order = (device: number, side: 'buy' | 'sell', quantity: number, price: number) => ({
      device_id: m.devices[device]!,
      resource_id: m.resourceId,
      interval_start: from,
      side,
      quantity,
      price,
    });
    // Written one by one through storage (around the API), so order_id follows this order.
    const ids: number[] = [];
    for (const o of [
      order(0, 'buy', 2, 50), // kept: 1 order, 2 units
      order(0, 'buy', 2, 50), // kept: 2 orders, 4 units
      order(0, 'buy', 3, 50), // left out: 7 units > 5
      order(0, 'buy', 1, 50), // kept: 3 orders, 5 units
      order(0, 'buy', 0.5, 50), // left out: a 4th order
      order(1, 'buy', 1, 2000), // left out: |price| > 1000
      order(2, 'sell', 5, 10), // kept
    ]) {
      ids.push((await t.db.order.add(o)).order_id);
    }
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const outcome = await clearMarketInterval({ db: t.db, pool, log }, market!, from, end);
    expect(outcome.rejected).toBe(3);
    expect(outcome.price).toMatchObject({ quantity: 5, buyer_total: 5, seller_total: 5 });
    expect(lines.find((l) => l['msg'] === 'interval cleared')).toMatchObject({ orders: 7, rejected: 3 });

    const { rows } = await t.db.sql.query(
      `SELECT o.unique_id, o.cleared_quantity, o.price_id FROM "order" o
       WHERE o.resource_id = $1 AND o.status = 'CLEARED' ORDER BY o.order_id`,
      [m.resourceId],
    );
    const byOrder = await Promise.all(ids.map((id) => t.db.order.get(id)));
    const fill = (i: number) => rows.find((r) => r.unique_id === byOrder[i]!.unique_id)?.cleared_quantity;
    // Every order is closed (no order stays open), the excess with fill 0.
    expect(rows).toHaveLength(7);
    expect(ids.map((_, i) => fill(i))).toEqual([2, 2, 0, 1, 0, 0, 5]);
    const money = await t.db.sql.query(
      'SELECT count(*)::int AS n, sum(amount)::float8 AS total FROM transaction WHERE price_id = $1',
      [outcome.price!.price_id],
    );
    expect(money.rows[0]).toEqual({ n: 4, total: 0 });
  });
});
