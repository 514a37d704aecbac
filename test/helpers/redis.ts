import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisUrl } from './server-url.js';

/** A BullMQ prefix private to one test, and a way to delete every key under it. */
export function redisPrefix(): { prefix: string; clean(): Promise<void> } {
  const prefix = `tesstest${randomBytes(4).toString('hex')}`;
  return {
    prefix,
    async clean() {
      const redis = new Redis(redisUrl());
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
