import type { RateLimit } from './context.js';
import { RecentMap } from './recent-map.js';

/** Failed authentications allowed per client address and window. @defaultValue 100 per minute */
export const AUTH_FAILURE_LIMIT: RateLimit = { max: 100, timeWindowMs: 60_000 };

/** Addresses remembered at once (the least recently failing are forgotten first). */
const ADDRESSES = 10_000;

/**
 * Failed authentications (401s) per client address in a fixed window. Checking a token
 * costs a database lookup for every well-formed one, cached or not, so an address that
 * keeps sending bad tokens is refused (429) before its token is looked at, until its
 * window ends; routes' own limits come on top.
 */
export class AuthFailures {
  private readonly windows = new RecentMap<string, { count: number; resetAt: number }>(ADDRESSES);

  constructor(private readonly limit: RateLimit = AUTH_FAILURE_LIMIT) {}

  /** Milliseconds until `address` may try again, or 0 when it may now. */
  retryAfter(address: string, now: number): number {
    const w = this.windows.get(address);
    if (!w || w.resetAt <= now) return 0;
    return w.count >= this.limit.max ? w.resetAt - now : 0;
  }

  /** Counts one failed authentication of `address`. */
  fail(address: string, now: number): void {
    const w = this.windows.get(address);
    if (!w || w.resetAt <= now)
      this.windows.set(address, { count: 1, resetAt: now + this.limit.timeWindowMs });
    else w.count++;
  }
}
