import { intervalStart, nextBoundary } from '../engine/intervals.js';
import { DEFAULT_INTERVAL_SECONDS } from './market-options.js';

/**
 * Where a market's intervals begin and end while its `interval` config changes.
 *
 * Intervals are contiguous: each begins where the last cleared one ended. Its length is
 * the `interval` in effect when it opens, and it ends at the next point of that length's
 * epoch-aligned grid (a full interval when it opens on the grid). A change of `interval`
 * made while the open interval holds no order applies to it at once: nobody was told when
 * it clears. Once an order has been accepted, the interval keeps its length: a change
 * takes effect at its end, so every order accepted under the old length clears at the
 * `clears_at` it was given. The next interval runs from there to the next point of the new
 * grid, which is shorter than a full interval when the old end is not on it.
 *
 * The intake answers `clears_at` from the length in effect when the order arrives (or
 * one its cache still holds), which can differ from the rule above while a change is
 * taking effect. Such orders are never left behind:
 * - one accepted with the new length while the old interval was still open clears with
 *   it, at its end;
 * - one whose `interval_start` lies before the interval it arrived in (a change to a
 *   longer interval, whose grid starts earlier) is carried into that interval and clears
 *   at its end; see `carryFrom`.
 *
 * Times are milliseconds since the epoch; nothing here reads a clock or a database.
 */

/** A value of `interval` and when it was set. */
export interface IntervalSetting {
  readonly since: number;
  readonly seconds: number;
}

/**
 * Whether any order for the interval opening at `from` and ending at `end` (under a
 * length whose grid interval is [gridStart, end)) arrived before `before`.
 */
export type OrdersArrived = (interval: {
  readonly gridStart: number;
  readonly from: number;
  readonly end: number;
  readonly before: number;
}) => Promise<boolean>;

/** The length in effect at `time`: the latest setting made by then (the first before any). */
export function secondsAt(history: readonly IntervalSetting[], time: number): number {
  let seconds = history[0]?.seconds ?? DEFAULT_INTERVAL_SECONDS;
  for (const s of history) {
    if (s.since > time) break;
    seconds = s.seconds;
  }
  return seconds;
}

/**
 * A question the schedule answers about the interval that opens at (or holds) a time,
 * from the history of settings and, where a change is in doubt, whether orders arrived.
 */
export type IntervalQuery = (
  history: readonly IntervalSetting[],
  time: number,
  arrived: OrdersArrived,
) => Promise<number>;

/** The length of the interval that opens at `from`, under the rule above. */
export const lengthFrom: IntervalQuery = async (history, from, arrived) => {
  let seconds = secondsAt(history, from);
  for (const change of history) {
    if (change.since <= from || change.seconds === seconds) continue;
    const end = nextBoundary(from, seconds).getTime();
    // Made after the interval closed: it shapes the intervals that follow.
    if (change.since >= end) break;
    if (await arrived({ gridStart: end - seconds * 1000, from, end, before: change.since })) break;
    seconds = change.seconds;
  }
  return seconds;
};

/** The end of the interval that opens at `from`. */
export const intervalEnd: IntervalQuery = async (history, from, arrived) =>
  nextBoundary(from, await lengthFrom(history, from, arrived)).getTime();

/**
 * The start of the interval that holds `time`, for a market with nothing cleared before
 * it (a new market, one back on the market, the first within the backfill horizon).
 */
export const intervalAround: IntervalQuery = async (history, time, arrived) => {
  const opened = intervalStart(time, secondsAt(history, time)).getTime();
  return intervalStart(time, await lengthFrom(history, opened, arrived)).getTime();
};

/**
 * Where orders carried into the interval [from, end) may start: the earliest
 * `interval_start` an intake could have given an order arriving during it, or null when
 * every such order starts within it (the usual case: `from` lies on the grid of every
 * length in effect). An intake may use a length up to `lagMs` after it was replaced.
 */
export function carryFrom(
  history: readonly IntervalSetting[],
  from: number,
  end: number,
  lagMs: number,
): number | null {
  let earliest = intervalStart(from, secondsAt(history, from - lagMs)).getTime();
  for (const s of history) {
    if (s.since <= from - lagMs) continue;
    if (s.since > end) break;
    earliest = Math.min(earliest, intervalStart(from, s.seconds).getTime());
  }
  return earliest < from ? earliest : null;
}
