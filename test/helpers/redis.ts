import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { type PriceMessage, priceChannelPattern } from '../../workers/price-channel.js';
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

/** Subscribes `subscriber` (a connection used only for this) to every system's prices under `prefix`. */
export async function hearPrices(
  subscriber: Redis,
  onPrice: (message: PriceMessage) => void,
  prefix: string,
): Promise<void> {
  subscriber.on('pmessage', (_pattern, _channel, text) => onPrice(JSON.parse(text) as PriceMessage));
  await subscriber.psubscribe(priceChannelPattern(prefix));
}
