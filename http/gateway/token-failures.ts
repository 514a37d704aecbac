import type { RateLimit } from '../context.js';
import { RecentMap } from '../recent-map.js';

/** Failed redemptions one user or one client address may make in a window. */
export const TOKEN_FAILURES_MAX = 5;
/** The window: ten minutes from the first failure. */
export const TOKEN_FAILURE_WINDOW_MS = 10 * 60_000;
export const TOKEN_FAILURE_LIMIT: RateLimit = {
  max: TOKEN_FAILURES_MAX,
  timeWindowMs: TOKEN_FAILURE_WINDOW_MS,
};

/** Users and addresses remembered at once (the least recently failing are forgotten first). */
const KEYS = 10_000;

interface Window {
  readonly start: number;
  count: number;
  /** Whether a refusal of this window has been reported (the alert is raised once). */
  reported: boolean;
}

/** A refusal: who is throttled, since when, after how many failures, and whether it is the window's first. */
export interface Throttled {
  readonly who: string;
  readonly windowStart: number;
  readonly failures: number;
  readonly retryAfterMs: number;
  readonly first: boolean;
}

/**
 * Failed token redemptions per user and per client address, in fixed windows counted in
 * this process (like the other rate limits: several API processes each allow as many).
 * A token is 11 random digits, so guessing is slow by itself; the throttle makes it
 * impractical, and its first refusal in a window raises a TokenFailures alert so that an
 * operator hears of someone trying.
 */
export class TokenFailures {
  private readonly windows = new RecentMap<string, Window>(KEYS);

  constructor(private readonly limit: RateLimit = TOKEN_FAILURE_LIMIT) {}

  private current(who: string, now: number): Window | undefined {
    const w = this.windows.get(who);
    return w && w.start + this.limit.timeWindowMs > now ? w : undefined;
  }

  /** The first of `keys` refused at `now`, or null when all may try. */
  check(keys: readonly string[], now: number): Throttled | null {
    for (const who of keys) {
      const w = this.current(who, now);
      if (!w || w.count < this.limit.max) continue;
      const first = !w.reported;
      w.reported = true;
      return {
        who,
        windowStart: w.start,
        failures: w.count,
        retryAfterMs: w.start + this.limit.timeWindowMs - now,
        first,
      };
    }
    return null;
  }

  /** Counts one failed redemption against each of `keys`. */
  fail(keys: readonly string[], now: number): void {
    for (const who of keys) {
      const w = this.current(who, now);
      if (w) w.count++;
      else this.windows.set(who, { start: now, count: 1, reported: false });
    }
  }
}
