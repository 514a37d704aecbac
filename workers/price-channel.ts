import type { Redis } from 'ioredis';

/**
 * After an interval commits, the runtime publishes its price on Redis, one channel per
 * system, so that every API process refreshes the prices it serves from memory.
 */
export const priceChannel = (systemId: number): string => `tess:prices:${systemId}`;
/** Pattern matching every system's channel (for PSUBSCRIBE). */
export const PRICE_CHANNEL_PATTERN = 'tess:prices:*';

export interface PriceMessage {
  readonly system_id: number;
  readonly system: string;
  readonly resource_id: number;
  readonly resource: string;
  readonly price_id: number;
  /** ISO-8601 start of the interval that cleared. */
  readonly interval_start: string;
  readonly interval_seconds: number;
  readonly price: number;
  readonly quantity: number;
  readonly type: string;
  readonly marginal_quantity: number;
  readonly marginal_frac: number;
  readonly buyer_total: number;
  readonly seller_total: number;
  /** ISO-8601 time of the next boundary, when this price is superseded. */
  readonly next_boundary: string;
}

export async function publishPrice(redis: Redis, message: PriceMessage): Promise<void> {
  await redis.publish(priceChannel(message.system_id), JSON.stringify(message));
}

/** Subscribes `subscriber` (a connection used only for this) to every system's prices. */
export async function subscribePrices(
  subscriber: Redis,
  onPrice: (message: PriceMessage) => void,
): Promise<void> {
  subscriber.on('pmessage', (_pattern, _channel, text) => {
    try {
      onPrice(JSON.parse(text) as PriceMessage);
    } catch {
      // A malformed message is ignored; the next boundary brings a fresh one.
    }
  });
  await subscriber.psubscribe(PRICE_CHANNEL_PATTERN);
}
