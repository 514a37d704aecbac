import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '../storage/index.js';
import { AlreadyCleared, type Market, type PriceRow } from '../storage/index.js';
import { type ClearingTimes, clearAndWrite } from './clearing.js';
import { reportInterval } from './clearing-report.js';
import { writeFailure } from './failure-record.js';
import { failureReason, isDeterministic } from './interval-failure.js';
import type { Written } from './interval-transaction.js';
import { readPlan } from './market-schedule.js';
import type { ClearingPool } from './pool.js';
import { settleMeters } from './settle-meters.js';

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
  /** The price written (type FAILURE when the interval could not clear), or null when it was cleared already. */
  readonly price: PriceRow | null;
  readonly orders: number;
  /** Orders left out of the book: beyond the market's order limits, or more than the engine can hold exactly. */
  readonly rejected: number;
  /** Why the interval was recorded as a FAILURE instead of cleared; absent when it cleared. */
  readonly reason?: string;
  readonly ms: Readonly<ClearingTimes>;
}

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
  // Readings a failed settlement left pending after the last clearing (which committed
  // whatever happened to them) are settled first; usually there are none.
  const last = await deps.db.lastCleared(market.resourceId);
  if (last) await settleAfter(deps, market, last.from, last.end);
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
      await clearMarketInterval(deps, market, new Date(from), new Date(end), {
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
  /** When the next interval ends, as published with the price. @defaultValue end + this interval's length (supersededAt) */
  readonly nextBoundary?: Date;
}

/** Settles the readings waiting after [from, end) was cleared; a failure there is logged, not thrown. */
async function settleAfter(deps: ClearDeps, market: Market, from: Date, end: Date): Promise<void> {
  await settleMeters(deps.db, deps.log, market, from, end).catch((err) =>
    deps.log.warn(
      { err, system: market.system, resource: market.resource, interval: from.toISOString() },
      'meter settlement deferred to the next clearing',
    ),
  );
}

/**
 * Clears one interval [from, end) of one market. An interval that cannot clear for a
 * deterministic reason (see workers/interval-failure.ts) is recorded as a FAILURE and the
 * market moves on; a transient failure, or one that leaves even the FAILURE unwritten,
 * is thrown and the interval is tried again. Meter readings are settled afterwards, in a
 * transaction of their own (workers/settle-meters.ts).
 */
export async function clearMarketInterval(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan = {},
): Promise<IntervalOutcome> {
  const ms: ClearingTimes = { read: 0, clear: 0, write: 0 };
  const nothing: IntervalOutcome = { from, end, price: null, orders: 0, rejected: 0, ms };
  let written: Written;
  let reason: string | undefined;
  try {
    written = await clearAndWrite(deps, market, from, end, plan, ms);
  } catch (err) {
    if (err instanceof AlreadyCleared) return nothing;
    if (!isDeterministic(err)) throw err;
    reason = failureReason(err);
    try {
      written = await writeFailure(deps, market, from, end, plan, reason);
    } catch (failure) {
      if (failure instanceof AlreadyCleared) return nothing;
      throw new Error(
        `interval ${from.toISOString()} could not clear (${reason}) nor be recorded as a failure`,
        {
          cause: failure,
        },
      );
    }
  }
  // A late interval (after downtime, or a long one) may lie below the price aggregates'
  // watermarks; bring them up to date so history reads it at once. The interval itself
  // is committed whatever happens here.
  await deps.db
    .refreshPriceAggregates(from, end, new Date())
    .catch((err) =>
      deps.log.warn({ err }, 'price history aggregates not refreshed; the scheduled refresh will catch up'),
    );
  await reportInterval(deps, market, from, plan, written, reason, ms);
  await settleAfter(deps, market, from, end);
  const { price, orders, rejected } = written;
  return { from, end, price, orders, rejected, ms, ...(reason === undefined ? {} : { reason }) };
}
