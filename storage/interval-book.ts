import type pg from 'pg';
import { roundTo } from './values.js';

type Client = pg.PoolClient | pg.Client;

/** The open orders of an interval as they stood at its end, in columns. */
export interface OpenOrders {
  readonly n: number;
  readonly orderIds: Float64Array;
  readonly deviceIds: Float64Array;
  readonly sides: Uint8Array;
  readonly prices: Float64Array;
  /** In quantity units (not micro-units). */
  readonly quantities: Float64Array;
  readonly uniqueIds: string[];
  readonly intervalStarts: Date[];
  /** When each version read was written (ms): who placed it owned the device then. */
  readonly placedAt: Float64Array;
}

/** The columns of an order the clearing reads, and the filter of the ones that can clear. */
const OPEN_COLUMNS = 'order_id, device_id, side, price, quantity, unique_id, interval_start, created';
// Orders written around the storage API may carry quantities finer than a millionth;
// those that round to nothing cannot clear.
const CAN_CLEAR = "status = 'OPEN' AND quantity >= 0.0000005";

/**
 * Orders carried into [from, end) ($2, $3) from intervals starting at or after $4: those
 * that arrived during it for an interval that had already closed under the runtime's
 * grid (an intake that used another `interval` length), in their latest version at
 * `end`, never cleared before. The few candidates are found first and each one's latest
 * version looked up by its key: a join over the whole window is planned badly before the
 * table has statistics.
 */
const CARRIED = `
  SELECT c.order_id, c.device_id, c.side, c.price, c.quantity, c.unique_id, c.interval_start, c.created FROM
    (SELECT DISTINCT unique_id FROM "order"
     WHERE resource_id = $1 AND interval_start >= $4 AND interval_start < $2
       AND created > $2 AND created <= $3 AND status = 'OPEN') k
    CROSS JOIN LATERAL (
      SELECT * FROM "order" o WHERE o.unique_id = k.unique_id AND o.created <= $3
      ORDER BY o.created DESC, o.order_id DESC LIMIT 1) c
  WHERE c.interval_start < $2 AND c.status = 'OPEN' AND c.quantity >= 0.0000005
    AND NOT EXISTS (SELECT 1 FROM "order" x WHERE x.unique_id = c.unique_id AND x.status = 'CLEARED'
                      AND x.created > c.interval_start)`;

/**
 * The book of an interval: reads the latest version (at `end`) of every order placed for
 * [from, end), keeping the open ones; cancelled orders drop out. With `carryFrom`, also
 * the orders carried into this interval (see CARRIED); the caller passes it only when a
 * change of `interval` can have left any, so the usual read stays one index range.
 * `cut` (at most `end`) reads the interval's own orders as they stood at an earlier time
 * instead: the book as of then, for the curves of a past read. The clearing
 * (workers/clear-market.ts) and the supply and demand curves (http/markets.ts) both read
 * the book here, so they cannot disagree about which orders it holds.
 */
export async function readOpenOrders(
  client: Client,
  resourceId: number,
  from: Date,
  end: Date,
  carryFrom: Date | null = null,
  cut: Date = end,
): Promise<OpenOrders> {
  const at = cut < end ? (carryFrom ? '$5' : '$4') : '$3';
  const own = `SELECT ${OPEN_COLUMNS} FROM (
             SELECT DISTINCT ON (unique_id) * FROM "order"
             WHERE resource_id = $1 AND interval_start >= $2 AND interval_start < $3 AND created <= ${at}
             ORDER BY unique_id, created DESC, order_id DESC) o
           WHERE ${CAN_CLEAR}`;
  const values: unknown[] = carryFrom ? [resourceId, from, end, carryFrom] : [resourceId, from, end];
  if (cut < end) values.push(cut);
  const { rows } = await client.query({
    text: carryFrom ? `${own} UNION ALL ${CARRIED} ORDER BY order_id` : `${own} ORDER BY order_id`,
    values,
    rowMode: 'array',
  });
  const n = rows.length;
  const out: OpenOrders = {
    n,
    orderIds: new Float64Array(n),
    deviceIds: new Float64Array(n),
    sides: new Uint8Array(n),
    prices: new Float64Array(n),
    quantities: new Float64Array(n),
    uniqueIds: new Array(n),
    intervalStarts: new Array(n),
    placedAt: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as unknown[];
    out.orderIds[i] = r[0] as number;
    out.deviceIds[i] = r[1] as number;
    out.sides[i] = r[2] === 'buy' ? 0 : 1;
    out.prices[i] = r[3] as number;
    // Stored quantities are whole millionths; this only matters for rows written around
    // storage. One too large to scale by a million is kept as it is (the engine leaves it
    // out), so its CLEARED version can still be written.
    const rounded = roundTo(r[4] as number, 6);
    out.quantities[i] = Number.isFinite(rounded) ? rounded : (r[4] as number);
    out.uniqueIds[i] = r[5] as string;
    out.intervalStarts[i] = r[6] as Date;
    out.placedAt[i] = (r[7] as Date).getTime();
  }
  return out;
}
