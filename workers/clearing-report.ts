import type { Market } from '../storage/index.js';
import type { ClearDeps, IntervalPlan } from './clear-market.js';
import type { ClearingTimes } from './clearing.js';
import type { Written } from './interval-transaction.js';
import {
  clearingSeconds,
  intervalsCleared,
  intervalsFailed,
  ordersLeftOut,
  ordersPerInterval,
} from './metrics.js';
import { priceMessage, publishPrice } from './price-channel.js';

/**
 * Tells of one interval written (cleared, or recorded as a FAILURE when `reason` is
 * given): its metrics, its log line and, with Redis, its price on the price channel. A
 * publish Redis refuses is logged; the API reads the price from the database meanwhile.
 */
export async function reportInterval(
  deps: ClearDeps,
  market: Market,
  from: Date,
  plan: IntervalPlan,
  written: Written,
  reason: string | undefined,
  ms: ClearingTimes,
): Promise<void> {
  const { price, orders, carried, rejected } = written;
  ordersPerInterval.observe(orders);
  intervalsCleared.inc({ type: price.type });
  if (rejected) ordersLeftOut.inc(rejected);
  const where = { system: market.system, resource: market.resource, interval: from.toISOString() };
  if (reason === undefined) {
    clearingSeconds.observe({ phase: 'read' }, ms.read / 1000);
    clearingSeconds.observe({ phase: 'clear' }, ms.clear / 1000);
    clearingSeconds.observe({ phase: 'write' }, ms.write / 1000);
    deps.log.info(
      {
        ...where,
        orders,
        ...(carried ? { carried } : {}),
        ...(rejected ? { rejected } : {}),
        price: price.price,
        quantity: price.quantity,
        type: price.type,
        ms,
      },
      'interval cleared',
    );
  } else {
    intervalsFailed.inc();
    deps.log.error(
      { ...where, orders, reason, price: price.price, type: price.type },
      'interval recorded as FAILURE',
    );
  }
  if (!deps.redis) return;
  const of = { system: market.system, system_id: market.systemId, resource: market.resource };
  await publishPrice(deps.redis, priceMessage(price, of, plan.nextBoundary), deps.prefix).catch((err) =>
    deps.log.warn({ err }, 'price published late: Redis refused it'),
  );
}
