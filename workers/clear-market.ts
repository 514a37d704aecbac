import type pg from 'pg';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type ClearedBook, toMicro } from '../engine/index.js';
import { orderLimits } from '../engine/order-limits.js';
import type { Database } from '../storage/index.js';
import {
  AlreadyCleared,
  lastCleared,
  lastClearedEnd,
  lockMarket,
  type Market,
  readOpenOrders,
  writeClearing,
} from '../storage/market.js';
import { refreshPriceAggregates } from '../storage/price-aggregates.js';
import type { PriceRow } from '../storage/rows.js';
import { ordersWithinLimits } from './book-limits.js';
import { engineRefused, failedBook, failureReason, isDeterministic } from './interval-failure.js';
import { clearOptions } from './market-options.js';
import {
  clearingSeconds,
  intervalsCleared,
  intervalsFailed,
  ordersLeftOut,
  ordersPerInterval,
} from './metrics.js';
import type { ClearingPool } from './pool.js';
import { readPlan } from './market-schedule.js';
import { priceMessage, publishPrice } from './price-channel.js';
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
  // Readings a failed settlement left pending after the last clearing (which committed
  // whatever happened to them) are settled first; usually there are none.
  const last = await lastCleared(deps.db.pool, market.resourceId);
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
  /** When the next interval ends, as published with the price. @defaultValue end + this interval's length (supersededAt) */
  readonly nextBoundary?: Date;
}

/** What one interval's transaction wrote. */
interface Written {
  readonly price: PriceRow;
  readonly orders: number;
  readonly carried: number;
  readonly rejected: number;
}

/** Begins the transaction of interval [from, …) of `market`; AlreadyCleared when it is. */
async function begin(client: pg.PoolClient, market: Market, from: Date): Promise<void> {
  await client.query('BEGIN');
  await lockMarket(client, market.resourceId);
  const last = await lastClearedEnd(client, market.resourceId);
  if (last && last > from) throw new AlreadyCleared(market.resourceId, from);
}

/** Runs `work` in a transaction of its own on a client of the pool. */
async function transaction<T>(deps: ClearDeps, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await deps.db.pool.connect();
  try {
    const out = await work(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** The book's result for every order read, from the engine's result for the orders kept. */
function expand(r: ClearedBook, kept: readonly number[], n: number): ClearedBook {
  if (kept.length === n) return r;
  const fills = new Float64Array(n);
  const amounts = new Float64Array(n);
  for (let j = 0; j < kept.length; j++) {
    fills[kept[j]!] = r.fills[j]!;
    amounts[kept[j]!] = r.amounts[j]!;
  }
  return { ...r, fills, amounts, rejected: r.rejected.map((j) => kept[j]!) };
}

/**
 * Clears one interval [from, end) of one market in one database transaction: reads the
 * book, leaves out what the order limits do not let in, clears the rest in a thread and
 * writes the result.
 */
async function clearAndWrite(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan,
  ms: { read: number; clear: number; write: number },
): Promise<Written> {
  const seconds = Math.round((end.getTime() - from.getTime()) / 1000);
  // Config first: a value that cannot be read fails the interval before any work.
  const options = clearOptions(market, seconds);
  const limits = orderLimits(market.config, market.resource);
  let writing = 0n;
  const written = await transaction(deps, async (client) => {
    let t = process.hrtime.bigint();
    await begin(client, market, from);
    const open = await readOpenOrders(client, market.resourceId, from, end, plan.carryFrom ?? null);
    let carried = 0;
    for (let i = 0; i < open.n; i++) if (open.intervalStarts[i]! < from) carried++;
    const kept = ordersWithinLimits(open, limits);
    ms.read = elapsed(t);

    t = process.hrtime.bigint();
    const m = kept.length;
    const book = {
      n: m,
      ids: new Float64Array(m),
      sides: new Uint8Array(m),
      prices: new Float64Array(m),
      quantities: new Float64Array(m),
    };
    for (let j = 0; j < m; j++) {
      const i = kept[j]!;
      book.ids[j] = open.orderIds[i]!;
      book.sides[j] = open.sides[i]!;
      book.prices[j] = open.prices[i]!;
      book.quantities[j] = toMicro(open.quantities[i]!);
    }
    const r = expand(
      await deps.pool.clear(book, options).catch((err) => Promise.reject(engineRefused(err))),
      kept,
      open.n,
    );
    ms.clear = elapsed(t);

    writing = process.hrtime.bigint();
    const price = await writeClearing(client, {
      resourceId: market.resourceId,
      from,
      end,
      orders: open,
      result: r,
    });
    return { price, orders: open.n, carried, rejected: open.n - m + r.rejected.length };
  });
  ms.write = elapsed(writing); // with the commit
  return written;
}

/**
 * Records [from, end) as a FAILURE, in a transaction of its own: its market_interval row
 * with the reason, a price of type FAILURE (see failedBook) and a CLEARED version with
 * fill 0 of every order it held, so none stays open; no money moves.
 */
async function writeFailure(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan,
  reason: string,
): Promise<Written> {
  const seconds = Math.round((end.getTime() - from.getTime()) / 1000);
  return transaction(deps, async (client) => {
    await begin(client, market, from);
    const open = await readOpenOrders(client, market.resourceId, from, end, plan.carryFrom ?? null);
    let carried = 0;
    for (let i = 0; i < open.n; i++) if (open.intervalStarts[i]! < from) carried++;
    const price = await writeClearing(client, {
      resourceId: market.resourceId,
      from,
      end,
      orders: open,
      result: failedBook(market, seconds, open.n),
      reason,
    });
    return { price, orders: open.n, carried, rejected: 0 };
  });
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
export async function clearInterval(
  deps: ClearDeps,
  market: Market,
  from: Date,
  end: Date,
  plan: IntervalPlan = {},
): Promise<IntervalOutcome> {
  const ms = { read: 0, clear: 0, write: 0 };
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
  const { price, orders, carried, rejected } = written;

  // A late interval (after downtime, or a long one) may lie below the price aggregates'
  // watermarks; bring them up to date so history reads it at once. The interval itself
  // is committed whatever happens here.
  await refreshPriceAggregates(deps.db.pool, from, end, new Date()).catch((err) =>
    deps.log.warn({ err }, 'price history aggregates not refreshed; the scheduled refresh will catch up'),
  );
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
        // Orders accepted with another `interval` length, cleared here after their own interval_start.
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
  if (deps.redis) {
    const of = { system: market.system, system_id: market.systemId, resource: market.resource };
    await publishPrice(deps.redis, priceMessage(price, of, plan.nextBoundary), deps.prefix).catch((err) =>
      deps.log.warn({ err }, 'price published late: Redis refused it'),
    );
  }
  await settleAfter(deps, market, from, end);
  return { from, end, price, orders, rejected, ms, ...(reason === undefined ? {} : { reason }) };
}
