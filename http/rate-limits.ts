import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { ErrorCode, TessError } from './error-codes.js';
import type { RateLimit } from './context.js';
import { parseToken } from '../storage/index.js';

/** The limit of every route without one of its own: per token, and per address for requests without one. */
export interface RouteRateLimits {
  readonly token: RateLimit;
  readonly address: RateLimit;
}

/** Keys counted at once (least recently seen forgotten first: an evicted key starts again at 0). */
const KEYS = 100_000;

/**
 * Who a request is counted as: its token (by the token's unique_id, never its secret)
 * when it carries one that has a token's shape, else its client address. Run before
 * authentication, so a bad token is counted too; random well-formed tokens each get a
 * fresh count, which is why failed authentications are also limited per address
 * (auth-failures.ts).
 */
export function rateKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    const token = match ? parseToken(match[1]!) : null;
    if (token) return `token:${token.uniqueId}`;
  }
  return `address:${request.ip}`;
}

/** Options of @fastify/rate-limit: every route limited, answers 429 RATE_LIMITED. */
export function rateLimitOptions(limits: RouteRateLimits): RateLimitPluginOptions {
  const of = (key: string) => (key.startsWith('token:') ? limits.token : limits.address);
  return {
    global: true,
    cache: KEYS,
    keyGenerator: rateKey,
    max: (_request, key) => of(key).max,
    timeWindow: (_request, key) => of(key).timeWindowMs,
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new TessError(
          ErrorCode.RATE_LIMITED,
          `rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
        ),
        { statusCode: 429 },
      ),
  };
}
