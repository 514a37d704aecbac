import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { settleMeter, toMicro } from '../engine/index.js';
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
import { readPlan } from './market-schedule.js';
import { publishPrice } from './price-channel.js';

export interface ClearDeps {
  readonly db: Database;
  readonly pool: ClearingPool;
  /** Where prices are published after commit; none in tools that only clear. */
  readonly redis?: Redis;
  /** The deployment's key prefix, which namespaces the price channel. @defaultValue "tess" */
  readonly prefix?: string;
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
 * horizon). Intervals follow the market's schedule (workers/interval-schedule.ts); one that
 * ends after `boundary` waits for its own end. Safe to run twice, or in two processes at
 * once: each interval is written once.
 */
export async function clearDue(deps: ClearDeps, market: Market, boundary: Date): Promise<IntervalOutcome[]> {
  const outcomes: IntervalOutcome[] = [];
  let warned = false;
  for (;;) {
    // Read again for every interval: another process may have cleared some meanwhile.
    const plan = await readPlan(deps.db, market);
    const horizonStart = await plan.around(boundary.getTime() - (deps.horizonSeconds ?? 86_400) * 1000);
    let from = plan.from;
    if (from < horizonStart) {
      if (!warned) {
        deps.log.warn(
          {
            system: market.system,
            resource: market.resource,
            from: new Date(from).toISOString(),
            to: new Date(horizonStart).toISOString(),
          },
          'intervals beyond the backfill horizon are skipped',
        );
        warned = true;
      }
      from = horizonStart;
    }
    const end = await plan.end(from);
    if (end > boundary.getTime()) return outcomes;
    const carry = plan.carryFrom(from, end);
    outcomes.push(
      await clearInterval(deps, market, new Date(from), new Date(end), {
        carryFrom: carry === null ? null : new Date(carry),
        nextBoundary: new Date(await plan.end(end)),
      }),
    );
  }
}

/** What the schedule adds to the clearing of one interval. */
export interface IntervalPlan {
  /** Earliest `interval_start` of orders carried into the interval; null (default) when none can be. */
  readonly carryFrom?: Date | null;
  /** When the next interval ends, as published with the price. @defaultValue end + the current `interval` */
  readonly nextBoundary?: Date;
}

/** Clears one interval [from, end) of one market in one database transaction. */
export async function clearInterval(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan = {},
): Promise<IntervalOutcome> {
  const seconds = Math.round((end.getTime() - from.getTime()) / 1000);
  const options = clearOptions(market, seconds);
  const client = await deps.db.pool.connect();
  const ms = { read: 0, clear: 0, write: 0 };
  let orders = 0;
  let carried = 0;
  let price: PriceRow | null = null;
  try {
    await client.query('BEGIN');
    let t = process.hrtime.bigint();
    await lockMarket(client, market.resourceId);
    const last = await lastClearedEnd(client, market.resourceId);
    if (last && last > from) throw new AlreadyCleared(market.resourceId, from);
    const open = await readOpenOrders(client, market.resourceId, from, end, plan.carryFrom ?? null);
    orders = open.n;
    for (let i = 0; i < open.n; i++) if (open.intervalStarts[i]! < from) carried++;
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
      // Orders accepted with another `interval` length, cleared here after their own interval_start.
      ...(carried ? { carried } : {}),
      price: price.price,
      quantity: price.quantity,
      type: price.type,
      ms,
    },
    'interval cleared',
  );
  if (deps.redis) {
    await publishPrice(
      deps.redis,
      {
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
        next_boundary: (
          plan.nextBoundary ?? new Date(end.getTime() + intervalSeconds(market) * 1000)
        ).toISOString(),
      },
      deps.prefix,
    ).catch((err) => deps.log.warn({ err }, 'price published late: Redis refused it'));
  }
  return { from, end, price, orders, ms };
}
