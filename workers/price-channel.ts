import { type Static, Type } from '@sinclair/typebox';
import type { Redis } from 'ioredis';
import type { PriceRow } from '../storage/index.js';

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

const Time = (description: string) => Type.String({ format: 'date-time', description });

/**
 * The served price: what the runtime publishes after an interval commits and, with when
 * its interval cleared, what GET /prices/current answers (http/price-cache.ts). The one
 * definition of its shape; the type is derived from it. Its times are `format: date-time`
 * (the OpenAPI document says so); TypeBox's Value.Check knows that format only once it is
 * registered in its FormatRegistry, and fails every message until then.
 */
export const PriceMessage = Type.Object({
  system: Type.String(),
  system_id: Type.Integer(),
  resource: Type.String(),
  resource_id: Type.Integer(),
  price_id: Type.Integer(),
  interval_start: Time('ISO-8601 start of the interval that cleared'),
  interval_seconds: Type.Integer(),
  price: Type.Number(),
  quantity: Type.Number(),
  type: Type.String(),
  marginal_quantity: Type.Number(),
  marginal_frac: Type.Number(),
  buyer_total: Type.Number(),
  seller_total: Type.Number(),
  next_boundary: Time('ISO-8601 time of the next boundary, when this price is superseded'),
  // Optional: a runtime of an earlier release publishes messages without them.
  g_co2_per_kwh: Type.Optional(
    Type.Union([Type.Number(), Type.Null()], {
      description: "the grid's carbon intensity then, gCO₂/kWh (the system's carbon-intensity dataset)",
    }),
  ),
  emissions_kg: Type.Optional(
    Type.Union([Type.Number(), Type.Null()], {
      description: "the interval's cleared energy times that intensity, kg",
    }),
  ),
});
export type PriceMessage = Static<typeof PriceMessage>;

/** The names of the system and resource a price is of. */
export interface PriceOf {
  readonly system: string;
  readonly system_id: number;
  readonly resource: string;
}

/**
 * When a price is superseded: the end of the interval after its own. The schedule knows
 * that interval's length (`next`, the runtime passes it); without it, the interval after
 * is taken to be as long as the price's own, the one rule both the runtime and the API
 * fall back on.
 */
export const supersededAt = (row: PriceRow, next?: Date): Date =>
  next ?? new Date(row.interval_start.getTime() + 2 * row.interval_seconds * 1000);

/** The served price of a committed price row. */
export function priceMessage(row: PriceRow, of: PriceOf, next?: Date): PriceMessage {
  return {
    system: of.system,
    system_id: of.system_id,
    resource: of.resource,
    resource_id: row.resource_id,
    price_id: row.price_id,
    interval_start: row.interval_start.toISOString(),
    interval_seconds: row.interval_seconds,
    price: row.price,
    quantity: row.quantity,
    type: row.type,
    marginal_quantity: row.marginal_quantity,
    marginal_frac: row.marginal_frac,
    buyer_total: row.buyer_total,
    seller_total: row.seller_total,
    next_boundary: supersededAt(row, next).toISOString(),
    g_co2_per_kwh: row.g_co2_per_kwh ?? null,
    emissions_kg: row.emissions_kg ?? null,
  };
}

/** Publishes on the channel of the message's system under `prefix` (the runtime's QUEUE_PREFIX). */
export async function publishPrice(
  redis: Redis,
  message: PriceMessage,
  prefix: string = DEFAULT_PREFIX,
): Promise<void> {
  await redis.publish(priceChannel(message.system_id, prefix), JSON.stringify(message));
}
