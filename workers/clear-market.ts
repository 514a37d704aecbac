import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { settleMeter, toMicro } from '../engine/index.js';
import { intervalStart } from '../engine/intervals.js';
import type { Database } from '../storage/index.js';
import {
  AlreadyCleared,
  lastClearedEnd,
  lockMarket,
  type Market,
  pendingMeters,
  readOpenOrders,
  writeClearing,
  writeMeterSettlements,
} from '../storage/market.js';
import { refreshPriceAggregates } from '../storage/price-aggregates.js';
import type { PriceRow } from '../storage/rows.js';
import { clearOptions, intervalSeconds } from './market-options.js';
import { clearingSeconds, intervalsCleared, ordersPerInterval } from './metrics.js';
import type { ClearingPool } from './pool.js';
import { publishPrice } from './price-channel.js';

export interface ClearDeps {
  readonly db: Database;
  readonly pool: ClearingPool;
  /** Where prices are published after commit; none in tools that only clear. */
  readonly redis?: Redis;
  readonly log: Logger;
  /**
   * How far back missed intervals are cleared after downtime; older ones are skipped.
   * @defaultValue 86400 s
   */
  readonly horizonSeconds?: number;
}

export interface IntervalOutcome {
  readonly from: Date;
  readonly end: Date;
  /** The price written, or null when the interval was cleared already. */
  readonly price: PriceRow | null;
  readonly orders: number;
  readonly ms: { readonly read: number; readonly clear: number; readonly write: number };
}

const elapsed = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/**
 * Clears, in order, every interval of `market` that closed at or before `boundary` and is
 * not cleared yet: the one that just closed, and after downtime those missed (within the
 * horizon). Safe to run twice, or in two processes at once: each interval is written once.
 */
export async function clearDue(deps: ClearDeps, market: Market, boundary: Date): Promise<IntervalOutcome[]> {
  const seconds = intervalSeconds(market);
  const horizonStart = intervalStart(boundary.getTime() - (deps.horizonSeconds ?? 86_400) * 1000, seconds);
  const last = await lastClearedEnd(deps.db.pool, market.resourceId);
  let from = last ?? intervalStart(market.created, seconds);
  if (from < horizonStart) {
    deps.log.warn(
      {
        system: market.system,
        resource: market.resource,
        from: from.toISOString(),
        to: horizonStart.toISOString(),
      },
      'intervals beyond the backfill horizon are skipped',
    );
    from = horizonStart;
  }
  const outcomes: IntervalOutcome[] = [];
  while (from < boundary) {
    // The grid of the current interval length; after a change of `interval`, the first
    // interval runs from the last cleared end to the next point of the new grid.
    const end = new Date(
      Math.min(intervalStart(from, seconds).getTime() + seconds * 1000, boundary.getTime()),
    );
    outcomes.push(await clearInterval(deps, market, from, end));
    from = end;
  }
  return outcomes;
}

/** Clears one interval [from, end) of one market in one database transaction. */
export async function clearInterval(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
): Promise<IntervalOutcome> {
  const seconds = Math.round((end.getTime() - from.getTime()) / 1000);
  const options = clearOptions(market, seconds);
  const client = await deps.db.pool.connect();
  const ms = { read: 0, clear: 0, write: 0 };
  let orders = 0;
  let price: PriceRow | null = null;
  try {
    await client.query('BEGIN');
    let t = process.hrtime.bigint();
    await lockMarket(client, market.resourceId);
    const last = await lastClearedEnd(client, market.resourceId);
    if (last && last > from) throw new AlreadyCleared(market.resourceId, from);
    const open = await readOpenOrders(client, market.resourceId, from, end);
    orders = open.n;
    ms.read = elapsed(t);

    t = process.hrtime.bigint();
    const quantities = new Float64Array(open.n);
    for (let i = 0; i < open.n; i++) quantities[i] = toMicro(open.quantities[i]!);
    const r = await deps.pool.clear(
      {
        n: open.n,
        ids: open.orderIds.slice(),
        sides: open.sides.slice(),
        prices: open.prices.slice(),
        quantities,
      },
      options,
    );
    ms.clear = elapsed(t);

    t = process.hrtime.bigint();
    price = await writeClearing(client, {
      resourceId: market.resourceId,
      from,
      end,
      orders: open,
      result: r,
    });
    const meters = await pendingMeters(client, market.resourceId, from, end);
    await writeMeterSettlements(
      client,
      meters.map((meter) => ({
        meter,
        // A correction books the difference from what earlier versions booked.
        amountMicro:
          settleMeter({
            metered: meter.quantity,
            boughtMicro: meter.boughtMicro,
            soldMicro: meter.soldMicro,
            price: meter.price,
            intervalSeconds: meter.intervalSeconds,
          }).amountMicro - meter.bookedMicro,
      })),
    );
    await client.query('COMMIT');
    ms.write = elapsed(t);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if (err instanceof AlreadyCleared) return { from, end, price: null, orders: 0, ms };
    throw err;
  } finally {
    client.release();
  }

  // A late interval (after downtime, or a long one) may lie below the price aggregates'
  // watermarks; bring them up to date so history reads it at once. The interval itself
  // is committed whatever happens here.
  await refreshPriceAggregates(deps.db.pool, from, end, new Date()).catch((err) =>
    deps.log.warn({ err }, 'price history aggregates not refreshed; the scheduled refresh will catch up'),
  );
  clearingSeconds.observe({ phase: 'read' }, ms.read / 1000);
  clearingSeconds.observe({ phase: 'clear' }, ms.clear / 1000);
  clearingSeconds.observe({ phase: 'write' }, ms.write / 1000);
  ordersPerInterval.observe(orders);
  intervalsCleared.inc({ type: price.type });
  deps.log.info(
    {
      system: market.system,
      resource: market.resource,
      interval: from.toISOString(),
      orders,
      price: price.price,
      quantity: price.quantity,
      type: price.type,
      ms,
    },
    'interval cleared',
  );
  if (deps.redis) {
    await publishPrice(deps.redis, {
      system_id: market.systemId,
      system: market.system,
      resource_id: market.resourceId,
      resource: market.resource,
      price_id: price.price_id,
      interval_start: from.toISOString(),
      interval_seconds: seconds,
      price: price.price,
      quantity: price.quantity,
      type: price.type,
      marginal_quantity: price.marginal_quantity,
      marginal_frac: price.marginal_frac,
      buyer_total: price.buyer_total,
      seller_total: price.seller_total,
      next_boundary: new Date(end.getTime() + intervalSeconds(market) * 1000).toISOString(),
    }).catch((err) => deps.log.warn({ err }, 'price published late: Redis refused it'));
  }
  return { from, end, price, orders, ms };
}
