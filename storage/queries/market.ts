import type { OrderRow, PriceRow } from '../rows.js';
import type { Queryable } from './current.js';

/** The clearing result of one interval of a resource, as of `asof`. */
export async function intervalPrice(
  db: Queryable,
  resourceId: number,
  intervalStart: Date,
  asof: Date | null,
): Promise<PriceRow | null> {
  const { rows } = await db.query(
    `SELECT * FROM price WHERE resource_id = $1 AND interval_start = $2 AND created <= $3
     ORDER BY created DESC, price_id DESC LIMIT 1`,
    [resourceId, intervalStart, asof ?? 'infinity'],
  );
  return (rows[0] as PriceRow) ?? null;
}

/**
 * The orders of one market interval as they stood at `cut` (normally the boundary at
 * which the interval closed): the version of each order in effect then, cancelled ones left out.
 */
export async function ordersAt(
  db: Queryable,
  resourceId: number,
  intervalStart: Date,
  cut: Date,
): Promise<Pick<OrderRow, 'order_id' | 'side' | 'quantity' | 'price'>[]> {
  const { rows } = await db.query(
    `SELECT order_id, side, quantity, price FROM (
       SELECT DISTINCT ON (unique_id) * FROM "order"
        WHERE resource_id = $1 AND interval_start = $2 AND created <= $3
        ORDER BY unique_id, created DESC, order_id DESC) cur
      WHERE status <> 'CANCELLED'`,
    [resourceId, intervalStart, cut],
  );
  return rows;
}
