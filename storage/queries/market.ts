import type { PriceRow } from '../rows.js';
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
