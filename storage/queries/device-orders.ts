import type { Queryable } from './current.js';

/** What one device holds in one interval of one market: open orders and their total quantity. */
export interface DeviceInterval {
  readonly orders: number;
  /** Sum of the open orders' quantities, in the resource's quantity unit. */
  readonly quantity: number;
}

/**
 * The orders a device holds (not cancelled, current versions) in one interval of one
 * market. Orders are written while their interval is open, so every version of one is
 * created after its interval_start: bounding `created` (an hour earlier, for clock skew
 * between API and database) keeps the walk of the device's index (`order_device`,
 * migration 8) to the interval's own rows however long the device's history.
 */
export async function deviceIntervalOrders(
  db: Queryable,
  deviceId: number,
  resourceId: number,
  intervalStart: Date,
): Promise<DeviceInterval> {
  const { rows } = await db.query(
    `SELECT count(*)::int AS orders, coalesce(sum(quantity), 0)::float8 AS quantity
       FROM (SELECT DISTINCT ON (unique_id) status, quantity
               FROM "order"
              WHERE device_id = $1 AND resource_id = $2 AND interval_start = $3
                AND created >= $3::timestamptz - interval '1 hour'
              ORDER BY unique_id, created DESC, order_id DESC) AS current
      WHERE status <> 'CANCELLED'`,
    [deviceId, resourceId, intervalStart],
  );
  return { orders: rows[0].orders as number, quantity: rows[0].quantity as number };
}
