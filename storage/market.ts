import type pg from 'pg';
import { ErrorCode, TessError } from '../engine/errors.js';
import type { ClearedBook } from '../engine/index.js';
import { ORDER_LIMIT_NAMES } from '../engine/order-limits.js';
import { fillBalances } from './balances.js';
import { ownersAt } from './owners.js';
import { copyRows } from './copy.js';
import { SqlState } from './pg-errors.js';
import type { PriceRow } from './rows.js';
import { TABLES } from './tables.js';
import { roundTo } from './values.js';

/**
 * The runtime's reads and writes: one market (a resource of a system) and one interval
 * at a time, in the caller's transaction.
 */
type Client = pg.PoolClient | pg.Client;

/**
 * Config variables that shape a market, by name; absent ones take the engine's defaults.
 * The order limits (engine/order-limits.ts) are read too, both system-wide and as
 * `<resource>:<name>` for the market's own resource.
 */
export const MARKET_CONFIG = [
  'interval',
  'price-cap',
  'clearing-scalar',
  'special-mode',
  'fixed-price',
  'fixed-quantity',
  ...ORDER_LIMIT_NAMES,
];

/** The `mechanism` that puts a system on the market (the seed's); any other value takes it off. */
export const ON_MARKET = 'AUCTION';

export interface Market {
  readonly systemId: number;
  readonly system: string;
  readonly resourceId: number;
  readonly resource: string;
  /**
   * Current config values of the system, for the names in MARKET_CONFIG, and the order
   * limits set for this resource alone (`<resource>:<limit>`).
   */
  readonly config: Readonly<Record<string, string | null>>;
  /** When the resource entry was created (no interval before it needs clearing). */
  readonly created: Date;
}

/**
 * Every market of every system (or of the given systems) whose `mechanism` is AUCTION
 * (the seed's default; any other value, e.g. NONE, takes the system off the market), with
 * its system's current market config.
 */
export async function listMarkets(
  client: Client | pg.Pool,
  systemIds?: readonly number[],
): Promise<Market[]> {
  const { rows } = await client.query(
    `WITH sys AS (
       SELECT DISTINCT ON (name) system_id, name FROM system ORDER BY name, created, system_id),
     res AS (
       SELECT DISTINCT ON (system_id, name) resource_id, system_id, name, created FROM resource
       ORDER BY system_id, name, created, resource_id),
     cfg AS (
       SELECT DISTINCT ON (system_id, name) system_id, name, value FROM config
       WHERE name = ANY($1::text[]) OR name LIKE ANY($4::text[])
       ORDER BY system_id, name, created DESC, config_id DESC),
     -- Read apart from cfg: the market config names do not include it, and a filter on a
     -- CTE without the name would take every system for one on the market.
     mechanism AS (
       SELECT DISTINCT ON (system_id) system_id, value FROM config WHERE name = 'mechanism'
       ORDER BY system_id, created DESC, config_id DESC)
     SELECT sys.system_id, sys.name AS system, res.resource_id, res.name AS resource, res.created,
            coalesce((SELECT jsonb_object_agg(cfg.name, cfg.value) FROM cfg WHERE cfg.system_id = sys.system_id
                        AND (cfg.name = ANY($1::text[])
                             OR cfg.name = ANY(SELECT res.name || ':' || l FROM unnest($5::text[]) l))), '{}') AS config
     FROM sys JOIN res ON res.system_id = sys.system_id
     WHERE ($2::bigint[] IS NULL OR sys.system_id = ANY($2::bigint[]))
       AND coalesce((SELECT value FROM mechanism m WHERE m.system_id = sys.system_id), $3) = $3
     ORDER BY sys.system_id, res.resource_id`,
    [
      MARKET_CONFIG,
      systemIds ?? null,
      ON_MARKET,
      ORDER_LIMIT_NAMES.map((name) => `%:${name}`),
      ORDER_LIMIT_NAMES,
    ],
  );
  return rows.map((r) => ({
    systemId: r.system_id,
    system: r.system,
    resourceId: r.resource_id,
    resource: r.resource,
    config: r.config,
    created: r.created,
  }));
}

/** End of the last interval cleared in this market, or null when none was. */
export async function lastClearedEnd(client: Client | pg.Pool, resourceId: number): Promise<Date | null> {
  const { rows } = await client.query(
    'SELECT interval_end FROM market_interval WHERE resource_id = $1 ORDER BY interval_end DESC LIMIT 1',
    [resourceId],
  );
  return rows[0]?.interval_end ?? null;
}

/** The last interval cleared (or recorded as a failure) in this market, or null when none was. */
export async function lastCleared(
  client: Client | pg.Pool,
  resourceId: number,
): Promise<{ readonly from: Date; readonly end: Date } | null> {
  const { rows } = await client.query(
    `SELECT interval_start, interval_end FROM market_interval WHERE resource_id = $1
     ORDER BY interval_end DESC LIMIT 1`,
    [resourceId],
  );
  return rows[0] ? { from: rows[0].interval_start, end: rows[0].interval_end } : null;
}

/** What decides where a market's intervals begin and end (see workers/interval-schedule.ts). */
export interface MarketTimeline {
  /** End of the last interval cleared, or null when none was. */
  readonly lastEnd: Date | null;
  /** Every value the system's `interval` config had, oldest first, with when it was set (ms). */
  readonly intervals: readonly { readonly since: number; readonly value: string | null }[];
  /** When the system last came back on the market (`mechanism` set to AUCTION after another value), or null. */
  readonly backOnMarket: Date | null;
}

/** The timeline of one market, in one round trip. */
export async function readMarketTimeline(
  client: Client | pg.Pool,
  systemId: number,
  resourceId: number,
): Promise<MarketTimeline> {
  const { rows } = await client.query(
    `SELECT
       (SELECT interval_end FROM market_interval WHERE resource_id = $2 ORDER BY interval_end DESC LIMIT 1) AS last_end,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(extract(epoch FROM created) * 1000, value) ORDER BY created, config_id), '[]')
        FROM config WHERE system_id = $1 AND name = 'interval') AS intervals,
       (SELECT min(created) FROM config WHERE system_id = $1 AND name = 'mechanism' AND value = $3
          AND created > (SELECT max(created) FROM config
                         WHERE system_id = $1 AND name = 'mechanism' AND value IS DISTINCT FROM $3)) AS back_on`,
    [systemId, resourceId, ON_MARKET],
  );
  const r = rows[0];
  return {
    lastEnd: r.last_end ?? null,
    intervals: (r.intervals as [number, string | null][]).map(([since, value]) => ({ since, value })),
    backOnMarket: r.back_on ?? null,
  };
}

/**
 * Whether an order for the market arrived in [from, before) for an interval starting in
 * [windowStart, end): whether anyone was promised that the interval [from, end) clears at
 * `end` before `before`.
 */
export async function ordersArrivedBefore(
  client: Client | pg.Pool,
  resourceId: number,
  window: { readonly windowStart: Date; readonly from: Date; readonly end: Date; readonly before: Date },
): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT EXISTS (SELECT 1 FROM "order" WHERE resource_id = $1 AND interval_start >= $2 AND interval_start < $3
                      AND created >= $4 AND created < $5) AS held`,
    [resourceId, window.windowStart, window.end, window.from, window.before],
  );
  return rows[0].held;
}

/** Serializes everything that clears one market, across processes. */
export async function lockMarket(client: Client, resourceId: number): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('tess:market:' || $1::text, 0))", [
    resourceId,
  ]);
}

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

export interface ClearingRecord {
  readonly resourceId: number;
  readonly from: Date;
  readonly end: Date;
  readonly orders: OpenOrders;
  /** The clearing of `orders`; fills (micro-units) and amounts (micro-currency) by order index. */
  readonly result: ClearedBook;
  /** Why the interval could not clear, when it is recorded as a FAILURE instead. */
  readonly reason?: string | null;
}

/** Thrown when the interval was cleared already (by another job or process): nothing to do. */
export class AlreadyCleared extends TessError {
  constructor(resourceId: number, from: Date) {
    super(ErrorCode.EXISTS, `market ${resourceId} interval ${from.toISOString()} is cleared already`);
  }
}

async function reservePriceId(client: Client): Promise<number> {
  const { rows } = await client.query("SELECT nextval(pg_get_serial_sequence('price', 'price_id')) AS id");
  return rows[0].id;
}

/**
 * Writes one cleared interval: its market_interval row (the exactly-once key), the price,
 * a CLEARED version of every order with its fill and price, and a transaction per fill
 * (naming the order row that was filled) with running balances — all in the caller's transaction, orders and transactions streamed with COPY.
 */
export async function writeClearing(client: Client, rec: ClearingRecord): Promise<PriceRow> {
  const priceId = await reservePriceId(client);
  try {
    // A concurrent writer of the same interval waits here for the first to commit, then fails.
    await client.query(
      `INSERT INTO market_interval (resource_id, interval_start, interval_end, price_id, reason)
       VALUES ($1, $2, $3, $4, $5)`,
      [rec.resourceId, rec.from, rec.end, priceId, rec.reason ?? null],
    );
  } catch (err) {
    if ((err as { code?: string }).code === SqlState.UNIQUE_VIOLATION)
      throw new AlreadyCleared(rec.resourceId, rec.from);
    throw err;
  }
  const seconds = Math.round((rec.end.getTime() - rec.from.getTime()) / 1000);
  const { rows } = await client.query(
    `INSERT INTO price (price_id, resource_id, interval_start, interval_seconds, price, quantity, type,
                        marginal_quantity, marginal_frac, buyer_total, seller_total)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
    [
      priceId,
      rec.resourceId,
      rec.from,
      seconds,
      rec.result.price,
      rec.result.quantity,
      rec.result.type,
      rec.result.marginalQuantity,
      rec.result.marginalFrac,
      rec.result.buyerTotal,
      rec.result.sellerTotal,
    ],
  );
  const price = rows[0] as PriceRow;
  const o = rec.orders;
  const versions = new Array<Record<string, unknown>>(o.n);
  for (let i = 0; i < o.n; i++) {
    versions[i] = {
      unique_id: o.uniqueIds[i],
      device_id: o.deviceIds[i],
      resource_id: rec.resourceId,
      interval_start: o.intervalStarts[i],
      side: o.sides[i] === 0 ? 'buy' : 'sell',
      quantity: o.quantities[i],
      price: o.prices[i],
      status: 'CLEARED',
      cleared_quantity: rec.result.fills[i]! / 1e6,
      price_id: priceId,
    };
  }
  await copyRows(client, TABLES.order, versions);

  const filled: number[] = [];
  for (let i = 0; i < o.n; i++) if (rec.result.fills[i] !== 0) filled.push(i);
  if (filled.length === 0) return price;
  // Owners only of the devices that are paid or charged (unfilled orders book nothing),
  // as they were when the order was placed.
  const owners = await ownersAt(
    client,
    filled.map((i) => o.deviceIds[i]!),
    filled.map((i) => o.placedAt[i]!),
  );
  const money = filled.map((i, k) => ({
    user_id: owners[k],
    device_id: o.deviceIds[i],
    // The order row that was filled: the bid, as it stood when the interval closed.
    order_id: o.orderIds[i],
    meter_id: null,
    price_id: priceId,
    amount: rec.result.amounts[i]! / 1e6,
  }));
  await fillBalances(client, money);
  await copyRows(client, TABLES.transaction, money);
  return price;
}

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
  client: Client | pg.Pool,
  failure: { readonly meterId: number; readonly resourceId: number; readonly reason: string },
): Promise<void> {
  await client.query(
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
