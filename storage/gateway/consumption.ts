import { ErrorCode, TessError } from '../../engine/errors.js';
import {
  chargeConsumption,
  type PriceSpan,
  tariffSpans,
  whPerPriceUnit,
} from '../../engine/gateway/index.js';
import { lockKey } from '../advisory-lock.js';
import type { Database } from '../database.js';
import type { Queryable } from '../queries/current.js';
import { ownerAt, ownerHistory } from '../queries/owner-history.js';
import { configValues } from '../queries/config-values.js';
import { moneyToMicro } from '../values.js';
import { DEFAULT_GATEWAY_RESOURCE, GATEWAY_CONFIG, readTariff } from './tariff-config.js';

/**
 * Consumption debits: each primary log a meter posted is charged once, in the ledger, at
 * the prices in force over its period (engine/gateway/consumption.ts): the market prices
 * of the system's gateway resource when the system is on the market, its day/night tariff
 * when it is not. A period is charged only when every part of it has a price: a log whose
 * intervals are not all cleared yet waits for the next pass. A FAILURE interval has no
 * market price (its row holds the cap, not a clearing): its part is charged at the tariff
 * when one is set and left free otherwise.
 *
 * One transaction per pass, under a lock per system, and a log counts as charged when a
 * transaction names it, so a pass run twice (a redelivered job, two workers) charges
 * nothing twice. Each part is a transaction row of its own, naming the market price it
 * was charged at (none for a tariff), so the ledger shows how a period was priced.
 */

export interface ChargeOutcome {
  /** Logs charged in this pass. */
  readonly charged: number;
  /** Logs left for a later pass: their periods are not all priced yet. */
  readonly waiting: number;
  /** Ledger rows written. */
  readonly rows: number;
}

/** Most logs one pass charges; the rest wait for the next (bounds the transaction). */
export const CHARGE_BATCH = 20_000;

interface PendingLog {
  readonly primary_log_id: number;
  readonly period_start: Date;
  readonly period_end: Date;
  readonly watthours: number;
  readonly device_id: number;
}

interface PricedSpan extends PriceSpan {
  readonly priceId: number | null;
}

export async function chargePendingConsumption(
  db: Database,
  systemId: number,
  now: Date,
): Promise<ChargeOutcome> {
  return db.withTransaction(async (tx, client) => {
    await lockKey(client, `tess:gateway-charge:${systemId}`);
    const config = await configValues(client, systemId, GATEWAY_CONFIG);
    const tariff = readTariff(config);
    const onMarket = (config['mechanism'] ?? 'AUCTION') === 'AUCTION';
    const resourceName = config['gateway-resource'] ?? DEFAULT_GATEWAY_RESOURCE;
    const resourceId = await tx.resourceIdByName(systemId, resourceName);
    if (resourceId === null) {
      throw new TessError(ErrorCode.INVALID, `gateway-resource: resource "${resourceName}" not found`);
    }
    const resource = (await tx.current('resource', resourceId))!;
    const wh = whPerPriceUnit(resource.price_unit);
    if (wh === null) {
      throw new TessError(
        ErrorCode.INVALID,
        `resource ${resourceName}: price unit "${resource.price_unit}" names no energy unit (Wh, kWh, MWh, GWh)`,
      );
    }
    const { rows: logs } = (await client.query(
      `SELECT l.primary_log_id, l.period_start, l.period_end, l.watthours, c.device_id
       FROM gateway.primary_log l JOIN gateway.circuit c ON c.circuit_id = l.circuit_id
       WHERE c.system_id = $1 AND l.period_end <= $2
         AND NOT EXISTS (SELECT 1 FROM transaction t WHERE t.primary_log_id = l.primary_log_id)
       ORDER BY l.period_start, l.primary_log_id LIMIT $3`,
      [systemId, now, CHARGE_BATCH],
    )) as { rows: PendingLog[] };
    if (logs.length === 0) return { charged: 0, waiting: 0, rows: 0 };

    const from = Math.min(...logs.map((l) => l.period_start.getTime()));
    const to = Math.max(...logs.map((l) => l.period_end.getTime()));
    const spans = onMarket
      ? await marketSpans(client, resourceId, from, to, tariff)
      : tariff
        ? tariffSpans(from, to, tariff).map((s) => ({ ...s, priceId: null }))
        : [];
    const owners = await ownerHistory(client, [...new Set(logs.map((l) => l.device_id))], null);
    const rows: Record<string, unknown>[] = [];
    let charged = 0;
    for (const log of logs) {
      const start = log.period_start.getTime();
      const end = log.period_end.getTime();
      const covering = spans.filter((s) => s.end > start && s.start < end);
      const charge = chargeConsumption(
        { start, end, energyMilliWh: Math.round(log.watthours * 1000) },
        covering,
        wh,
      );
      if (charge.uncoveredMs > 0) continue;
      const user = ownerAt(owners.get(log.device_id)!, start);
      for (const part of charge.parts) {
        rows.push({
          user_id: user,
          device_id: log.device_id,
          primary_log_id: log.primary_log_id,
          price_id: covering[part.span]!.priceId,
          amount: -part.amountMicro / 1e6 + 0,
        });
      }
      charged++;
    }
    if (rows.length > 0) await tx.transaction.addMany(rows);
    return { charged, waiting: logs.length - charged, rows: rows.length };
  });
}

/**
 * The market's prices over [from, to) as spans, oldest first: each interval's clearing
 * price; a FAILURE interval's part at the tariff (or free without one). Intervals not yet
 * cleared are gaps, which keep the logs they cover waiting.
 */
async function marketSpans(
  client: Queryable,
  resourceId: number,
  from: number,
  to: number,
  tariff: ReturnType<typeof readTariff>,
): Promise<PricedSpan[]> {
  const { rows } = await client.query(
    `SELECT price_id, interval_start, interval_seconds, price, type FROM price
     WHERE resource_id = $1 AND interval_start < $3 AND interval_start >= $2::timestamptz - interval '1 day'
     ORDER BY interval_start, price_id`,
    [resourceId, new Date(from), new Date(to)],
  );
  const spans: PricedSpan[] = [];
  for (const r of rows as {
    price_id: number;
    interval_start: Date;
    interval_seconds: number;
    price: number;
    type: string;
  }[]) {
    const start = r.interval_start.getTime();
    const end = start + r.interval_seconds * 1000;
    if (end <= from || (spans.length > 0 && start < spans.at(-1)!.end)) continue;
    if (r.type !== 'FAILURE') {
      spans.push({ start, end, priceMicro: moneyToMicro(r.price), priceId: r.price_id });
    } else if (tariff) {
      for (const s of tariffSpans(start, end, tariff)) spans.push({ ...s, priceId: null });
    } else {
      spans.push({ start, end, priceMicro: 0, priceId: null });
    }
  }
  return spans;
}
