import { randomFillSync } from 'node:crypto';

/**
 * Time-ordered UUIDs (version 7, RFC 9562): 48 bits of Unix milliseconds, then random
 * bits. New keys land at the right edge of the natural-key indexes instead of at random
 * pages, which keeps bulk writes of orders fast as tables grow.
 */
const POOL_SIZE = 16 * 1024;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;
const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidv7(now = Date.now()): string {
  if (offset + 10 > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = pool;
  const o = offset;
  offset += 10;
  const hi = Math.floor(now / 2 ** 16);
  const lo = now % 2 ** 16;
  const t = [(hi >>> 24) & 255, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, (lo >>> 8) & 255, lo & 255];
  return (
    hex[t[0]!]! +
    hex[t[1]!] +
    hex[t[2]!] +
    hex[t[3]!] +
    '-' +
    hex[t[4]!] +
    hex[t[5]!] +
    '-' +
    hex[0x70 | (b[o]! & 0x0f)] +
    hex[b[o + 1]!] +
    '-' +
    hex[0x80 | (b[o + 2]! & 0x3f)] +
    hex[b[o + 3]!] +
    '-' +
    hex[b[o + 4]!] +
    hex[b[o + 5]!] +
    hex[b[o + 6]!] +
    hex[b[o + 7]!] +
    hex[b[o + 8]!] +
    hex[b[o + 9]!]
  );
}
