import { ON_MARKET } from './markets.js';
import type { Queryable } from './queries/current.js';

// Where a market stands in time: the last interval it cleared, the `interval` and
// `mechanism` history that schedules the next ones, and whether orders arrived in time
// for one (workers/interval-schedule.ts and workers/market-schedule.ts read them).

/** The last interval cleared (or recorded as a failure) in this market, or null when none was. */
export async function lastCleared(
  db: Queryable,
  resourceId: number,
): Promise<{ readonly from: Date; readonly end: Date } | null> {
  const { rows } = await db.query(
    `SELECT interval_start, interval_end FROM market_interval WHERE resource_id = $1
     ORDER BY interval_end DESC LIMIT 1`,
    [resourceId],
  );
  return rows[0] ? { from: rows[0].interval_start, end: rows[0].interval_end } : null;
}

/** End of the last interval cleared in this market, or null when none was. */
export async function lastClearedEnd(db: Queryable, resourceId: number): Promise<Date | null> {
  return (await lastCleared(db, resourceId))?.end ?? null;
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
  db: Queryable,
  systemId: number,
  resourceId: number,
): Promise<MarketTimeline> {
  const { rows } = await db.query(
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
  db: Queryable,
  resourceId: number,
  window: { readonly windowStart: Date; readonly from: Date; readonly end: Date; readonly before: Date },
): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT EXISTS (SELECT 1 FROM "order" WHERE resource_id = $1 AND interval_start >= $2 AND interval_start < $3
                      AND created >= $4 AND created < $5) AS held`,
    [resourceId, window.windowStart, window.end, window.from, window.before],
  );
  return rows[0].held;
}
