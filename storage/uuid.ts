import { v7 } from 'uuid';

/**
 * Time-ordered UUIDs (version 7, RFC 9562): 48 bits of Unix milliseconds, then a counter
 * seeded at random each millisecond, then random bits. New keys land at the right edge
 * of the natural-key indexes instead of at random pages, which keeps bulk writes of
 * orders fast as tables grow; the counter keeps ids made within one millisecond in the
 * order they were made.
 *
 * `now` pins the timestamp (tests); such ids are random within their millisecond, since
 * the library keeps its monotonic state only for its own clock.
 */
export function uuidv7(now?: number): string {
  return now === undefined ? v7() : v7({ msecs: now });
}
