import { isValidInterval } from '../engine/intervals.js';
import type { Database } from '../storage/index.js';
import type { Market } from '../storage/index.js';
import {
  carryFrom,
  type IntervalSetting,
  intervalAround,
  intervalEnd,
  type OrdersArrived,
  secondsAt,
} from './interval-schedule.js';

/**
 * How long an intake may still use an `interval` after it changed: the API caches it for
 * up to 30 s when the change did not pass through an API process, and group commit adds
 * a little. Orders it accepts meanwhile are carried, never left behind.
 */
export const INTAKE_LAG_MS = 60_000;

/** One market's intervals as the database has them now: where clearing continues, and how. */
export interface MarketPlan {
  readonly market: Market;
  readonly history: readonly IntervalSetting[];
  /** Start of the next interval to clear (ms): the last cleared end, or where the market (re)opened. */
  readonly from: number;
  /** The end of the interval opening at `start`. */
  end(start: number): Promise<number>;
  /** The start of the interval holding `time`, for a market with nothing cleared before it. */
  around(time: number): Promise<number>;
  /** Where orders carried into [from, end) may start, or null when none can be. */
  carryFrom(from: number, end: number): number | null;
  /** The length in effect at `time`, in seconds. */
  secondsAt(time: number): number;
}

/**
 * Reads a market's timeline. Values of `interval` that are not a usable length are
 * skipped (the runtime refuses to schedule a system whose current one is not).
 */
export async function readPlan(db: Database, market: Market): Promise<MarketPlan> {
  const timeline = await db.marketTimeline(market.systemId, market.resourceId);
  const history: IntervalSetting[] = [];
  for (const { since, value } of timeline.intervals) {
    const seconds = Number(value);
    if (value !== null && value !== '' && isValidInterval(seconds)) history.push({ since, seconds });
  }
  const arrived: OrdersArrived = (w) =>
    db.ordersArrivedBefore(market.resourceId, {
      windowStart: new Date(w.gridStart),
      from: new Date(w.from),
      end: new Date(w.end),
      before: new Date(w.before),
    });
  const around = (time: number) => intervalAround(history, time, arrived);
  let from = timeline.lastEnd?.getTime() ?? (await around(market.created.getTime()));
  if (timeline.backOnMarket) {
    // Intervals while the system was off the market are not cleared: it resumes with the
    // interval open when it came back.
    from = Math.max(from, await around(timeline.backOnMarket.getTime()));
  }
  return {
    market,
    history,
    from,
    end: (start) => intervalEnd(history, start, arrived),
    around,
    carryFrom: (start, end) => carryFrom(history, start, end, INTAKE_LAG_MS),
    secondsAt: (time) => secondsAt(history, time),
  };
}
