import type pg from 'pg';
import { fillBalances } from './balances.js';
import { copyRows } from './copy.js';
import { ownersAt } from './owners.js';
import type { Queryable } from './queries/current.js';
import { TABLES } from './tables.js';

type Client = pg.PoolClient | pg.Client;

/** A meter reading waiting for settlement, with what it settles against. */
export interface PendingMeter {
  readonly meterId: number;
  readonly deviceId: number;
  /** Start of the market interval the reading settles (its owner then is paid or charged). */
  readonly intervalStart: Date;
  /** Metered energy over the interval. */
  readonly quantity: number;
  readonly priceId: number;
  readonly price: number;
  readonly intervalSeconds: number;
  /** Σ of the device's buy / sell fills in that interval, micro-units. */
  readonly boughtMicro: number;
  readonly soldMicro: number;
  /**
   * What the device's earlier readings of the same market interval already booked,
   * micro-currency: a correction (or a second reading) books only the difference.
   */
  readonly bookedMicro: number;
}

/** How far back readings are looked for; older ones are settled by hand. */
export const METER_LOOKBACK_DAYS = 7;
/** Readings committed up to this long after they were created are still seen. */
const ARRIVAL_MARGIN = '1 minute';

/**
 * Meter readings of this market for cleared intervals whose latest version is not
 * settled yet: new readings, and corrections (a `set`) of readings settled before. Only
 * readings that arrived since the clearing before [from, end), or that are for [from,
 * end) itself, are candidates: the work per interval does not grow with the history.
 *
 * A device is settled once per market interval, whatever the `interval_start`s of its
 * readings: every reading that starts inside one market interval is a version of the
 * same reading (readings written through storage need not sit on the grid), the latest
 * one (by `created`) is the device's word for that interval, and it books the difference
 * from what all of them booked before. Two readings in one interval can therefore never
 * be paid twice against the same fills. Intervals recorded as failures (a `reason`)
 * have no price to settle against and are left alone, as are versions that could not be
 * booked before (meter_failure).
 */
export async function pendingMeters(
  client: Client,
  resourceId: number,
  from: Date,
  end: Date,
): Promise<PendingMeter[]> {
  const { rows } = await client.query(
    `WITH since AS (
       SELECT max(created) - interval '${ARRIVAL_MARGIN}' AS t FROM market_interval
       WHERE resource_id = $1 AND interval_end <= $2),
     touched AS (
       SELECT DISTINCT device_id, interval_start FROM meter
       WHERE resource_id = $1 AND interval_start < $3
         AND interval_start >= $3::timestamptz - make_interval(days => $4)
         AND (created > coalesce((SELECT t FROM since), '-infinity') OR interval_start >= $2)),
     slot AS (
       SELECT DISTINCT t.device_id, mi.interval_start AS slot_start, mi.interval_end AS slot_end, mi.price_id
       FROM touched t JOIN market_interval mi ON mi.resource_id = $1
         AND t.interval_start >= mi.interval_start AND t.interval_start < mi.interval_end
       WHERE mi.reason IS NULL),
     cur AS (
       SELECT slot.*, m.meter_id, m.quantity FROM slot CROSS JOIN LATERAL (
         SELECT meter_id, quantity FROM meter m
         WHERE m.device_id = slot.device_id AND m.resource_id = $1
           AND m.interval_start >= slot.slot_start AND m.interval_start < slot.slot_end
         ORDER BY m.created DESC, m.meter_id DESC LIMIT 1) m)
     SELECT cur.meter_id, cur.device_id, cur.slot_start, cur.quantity, p.price_id, p.price, p.interval_seconds,
            coalesce(f.bought, 0) AS bought, coalesce(f.sold, 0) AS sold, coalesce(b.booked, 0) AS booked
     FROM cur
     JOIN price p ON p.price_id = cur.price_id
     LEFT JOIN LATERAL (
       SELECT sum(cleared_quantity) FILTER (WHERE side = 'buy') AS bought, sum(cleared_quantity) FILTER (WHERE side = 'sell') AS sold
       FROM "order" WHERE price_id = p.price_id AND device_id = cur.device_id AND status = 'CLEARED') f ON true
     LEFT JOIN LATERAL (
       SELECT sum(t.amount) AS booked FROM meter m2 JOIN transaction t ON t.meter_id = m2.meter_id
       WHERE m2.device_id = cur.device_id AND m2.resource_id = $1
         AND m2.interval_start >= cur.slot_start AND m2.interval_start < cur.slot_end) b ON true
     WHERE NOT EXISTS (SELECT 1 FROM transaction t WHERE t.meter_id = cur.meter_id)
       AND NOT EXISTS (SELECT 1 FROM meter_failure x WHERE x.meter_id = cur.meter_id)
     ORDER BY cur.meter_id`,
    [resourceId, from, end, METER_LOOKBACK_DAYS],
  );
  return rows.map((r) => ({
    meterId: r.meter_id,
    deviceId: r.device_id,
    intervalStart: r.slot_start,
    quantity: r.quantity,
    priceId: r.price_id,
    price: r.price,
    intervalSeconds: r.interval_seconds,
    boughtMicro: Math.round(r.bought * 1e6),
    soldMicro: Math.round(r.sold * 1e6),
    bookedMicro: Math.round(r.booked * 1e6),
  }));
}

/**
 * Marks a meter reading version as one settlement cannot book, with why: it is skipped
 * from then on (a correction is a new version and settles as usual).
 */
export async function writeMeterFailure(
  db: Queryable,
  failure: { readonly meterId: number; readonly resourceId: number; readonly reason: string },
): Promise<void> {
  await db.query(
    'INSERT INTO meter_failure (meter_id, resource_id, reason) VALUES ($1, $2, $3) ON CONFLICT (meter_id) DO NOTHING',
    [failure.meterId, failure.resourceId, failure.reason],
  );
}

/** Books the settlement of meter readings (amounts in micro-currency), with running balances. */
export async function writeMeterSettlements(
  client: Client,
  settlements: readonly { meter: PendingMeter; amountMicro: number }[],
): Promise<number> {
  if (settlements.length === 0) return 0;
  // The owner while the metered interval ran, who also held its fills.
  const owners = await ownersAt(
    client,
    settlements.map((s) => s.meter.deviceId),
    settlements.map((s) => s.meter.intervalStart.getTime()),
  );
  const rows = settlements.map(({ meter, amountMicro }, k) => ({
    user_id: owners[k],
    device_id: meter.deviceId,
    order_id: null,
    meter_id: meter.meterId,
    price_id: meter.priceId,
    amount: amountMicro / 1e6,
  }));
  await fillBalances(client, rows);
  return copyRows(client, TABLES.transaction, rows);
}
