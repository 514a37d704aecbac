import { SqlState } from './pg-errors.js';
import type { Queryable } from './queries/current.js';

/**
 * The continuous aggregates of price (migration 6), finest first: each is built on the
 * one before it, so a refresh goes in this order. `lag` is its refresh policy's end
 * offset: a price written for an interval older than that may fall below the
 * aggregate's watermark, where real-time aggregation no longer looks at `price`.
 */
const AGGREGATES = [
  { view: 'price_5m', seconds: 300, lagSeconds: 600 },
  { view: 'price_1h', seconds: 3_600, lagSeconds: 3_600 },
  { view: 'price_1d', seconds: 86_400, lagSeconds: 86_400 },
] as const;

/** The aggregate serving buckets of this width, if any. */
export const aggregateFor = (bucketSeconds: number): string | undefined =>
  AGGREGATES.find((a) => a.seconds === bucketSeconds)?.view;

/**
 * Brings the aggregates up to date for prices just written for intervals starting in
 * [from, to) (from null: since the beginning), when they are old enough to lie below a
 * watermark (late clearing after downtime, long intervals, loads). Newer prices need
 * nothing: real-time aggregation reads them from `price`. Without this, such a bucket
 * would read stale until the next scheduled refresh. Must run outside a transaction
 * (TimescaleDB's rule for refreshes). `now` is the caller's clock. Nothing on plain
 * PostgreSQL.
 */
export async function refreshPriceAggregates(
  db: Queryable,
  from: Date | null,
  to: Date,
  now: Date,
): Promise<void> {
  let present: boolean | undefined;
  for (const { view, seconds, lagSeconds } of AGGREGATES) {
    const width = seconds * 1000;
    // Never past where the refresh policy itself stops: materializing a bucket that is
    // still filling would move the watermark over prices yet to come, which real-time
    // aggregation would then no longer read.
    const cap = Math.floor((now.getTime() - lagSeconds * 1000) / width) * width;
    const start = from === null ? null : Math.floor(from.getTime() / width) * width;
    const end = Math.min(Math.ceil(to.getTime() / width) * width, cap);
    if (start !== null && start >= end) continue;
    // Asked only for late prices, so the common case costs no query at all.
    present ??= (await db.query("SELECT to_regclass('price_5m') IS NOT NULL AS present")).rows[0].present;
    if (!present) return;
    await refreshWindow(db, view, start === null ? null : new Date(start), new Date(end));
  }
}

/** Tries of a refresh that meets another one; the waits between them add up to about 11 s. */
const REFRESH_TRIES = 8;

/**
 * One refresh of one aggregate's window. TimescaleDB refuses a refresh whose window
 * overlaps one in progress (its refresh policy, which starts in every new database, or
 * another process clearing late); the other refresh will be done in moments, so wait
 * and try again rather than fail a load or a late interval over it.
 */
async function refreshWindow(db: Queryable, view: string, start: Date | null, end: Date): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query('CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)', [
        view,
        start,
        end,
      ]);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== SqlState.LOCK_NOT_AVAILABLE || attempt >= REFRESH_TRIES)
        throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
    }
  }
}

/** Refreshes every aggregate over all past buckets (after a load); nothing on plain PostgreSQL. */
export const refreshAllPriceAggregates = (db: Queryable, now: Date): Promise<void> =>
  refreshPriceAggregates(db, null, now, now);
