import { Redis } from 'ioredis';
import { ErrorCode, TessError } from '../engine/errors.js';
import { redactUrl } from '../storage/index.js';

const START_HINT = 'start it with `docker compose up -d postgres redis`';

/**
 * Opens a Redis connection and proves it answers, failing with one clear sentence when
 * the server is unreachable. `maxRetriesPerRequest: null` is what BullMQ requires of
 * the connections it is given.
 */
export async function connectRedis(url: string, options: { forBullMQ?: boolean } = {}): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: options.forBullMQ ? null : 2,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let lastError: unknown;
  redis.on('error', (e) => {
    lastError = e;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    const cause = lastError ?? err;
    throw new TessError(
      ErrorCode.UNAVAILABLE,
      `cannot reach Redis at ${redactUrl(url)} (${(cause as { code?: string }).code ?? (cause as Error).message}); ${START_HINT}`,
      { cause },
    );
  }
  return redis;
}
