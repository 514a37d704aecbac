import type pg from 'pg';
import { ErrorCode, TessError } from '../engine/errors.js';
import { emissionsKg } from '../engine/datasets/index.js';
import type { ClearedBook } from '../engine/index.js';
import { fillBalances } from './balances.js';
import { copyRows } from './copy.js';
import type { OpenOrders } from './interval-book.js';
import { ownersAt } from './owners.js';
import { SqlState } from './pg-errors.js';
import type { PriceRow } from './rows.js';
import { TABLES } from './tables.js';

type Client = pg.PoolClient | pg.Client;

export interface ClearingRecord {
  readonly resourceId: number;
  readonly from: Date;
  readonly end: Date;
  readonly orders: OpenOrders;
  /** The clearing of `orders`; fills (micro-units) and amounts (micro-currency) by order index. */
  readonly result: ClearedBook;
  /** Why the interval could not clear, when it is recorded as a FAILURE instead. */
  readonly reason?: string | null;
  /** The carbon_intensity dataset the system's config names (`carbon-intensity`), if any. */
  readonly carbonDataset?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The carbon intensity in force at the interval's start in the named dataset, and the
 * resource's quantity unit, in one statement. A name that is no dataset id, a dataset
 * that does not exist, or a gap in it gives no intensity: the price goes without one
 * rather than the market stopping on a config value.
 */
async function intensityAt(
  client: Client,
  rec: ClearingRecord,
): Promise<{ g: number | null; unit: string | null }> {
  const dataset = rec.carbonDataset && UUID.test(rec.carbonDataset) ? rec.carbonDataset : null;
  if (dataset === null) return { g: null, unit: null };
  const { rows } = await client.query(
    `SELECT (SELECT c.g_co2_per_kwh FROM (SELECT g_co2_per_kwh, end_ts FROM carbon_intensity.intensities
                                       WHERE dataset_id = $1 AND start_ts <= $2 ORDER BY start_ts DESC LIMIT 1) c
             WHERE c.end_ts > $2) AS g,
            (SELECT r.quantity_unit FROM resource f JOIN resource r ON r.system_id = f.system_id AND r.name = f.name
             WHERE f.resource_id = $3 ORDER BY r.created DESC, r.resource_id DESC LIMIT 1) AS unit`,
    [dataset, rec.from, rec.resourceId],
  );
  return { g: rows[0].g, unit: rows[0].unit };
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
  const carbon = await intensityAt(client, rec);
  const emissions =
    carbon.g === null || carbon.unit === null
      ? null
      : emissionsKg(rec.result.quantity, carbon.unit, seconds, carbon.g);
  const { rows } = await client.query(
    `INSERT INTO price (price_id, resource_id, interval_start, interval_seconds, price, quantity, type,
                        marginal_quantity, marginal_frac, buyer_total, seller_total, g_co2_per_kwh, emissions_kg)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
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
      carbon.g,
      emissions,
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
