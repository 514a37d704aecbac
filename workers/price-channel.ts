import type { Redis } from 'ioredis';

/**
 * After an interval commits, the runtime publishes its price on Redis, one channel per
 * system, so that every API process refreshes the prices it serves from memory.
 *
 * Channels are under the deployment's QUEUE_PREFIX, like its queues: deployments that
 * share a Redis do not hear each other's prices. A message is only a hint that a price
 * was committed; API processes check it against the database before serving it.
 */

/** The prefix of deployments that set none (QUEUE_PREFIX's default). */
export const DEFAULT_PREFIX = 'tess';

export const priceChannel = (systemId: number, prefix: string = DEFAULT_PREFIX): string =>
  `${prefix}:prices:${systemId}`;

/** Pattern matching every system's channel under `prefix` (for PSUBSCRIBE); glob characters in the prefix are matched literally. */
export const priceChannelPattern = (prefix: string = DEFAULT_PREFIX): string =>
  `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:prices:*`;

/** Pattern of the default prefix. */
export const PRICE_CHANNEL_PATTERN = priceChannelPattern();

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

/** Publishes on the channel of the message's system under `prefix` (the runtime's QUEUE_PREFIX). */
export async function publishPrice(
  redis: Redis,
  message: PriceMessage,
  prefix: string = DEFAULT_PREFIX,
): Promise<void> {
  await redis.publish(priceChannel(message.system_id, prefix), JSON.stringify(message));
}
