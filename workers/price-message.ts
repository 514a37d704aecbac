import { type Static, Type } from '@sinclair/typebox';
import type { PriceMessage } from './price-channel.js';

/**
 * The shape of a message on the price channel (PriceMessage), for checking what arrives
 * from Redis. Other properties are allowed: a newer runtime may add some.
 */
export const PriceMessageSchema = Type.Object({
  system_id: Type.Integer(),
  system: Type.String(),
  resource_id: Type.Integer(),
  resource: Type.String(),
  price_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  interval_start: Type.String({ description: 'ISO-8601' }),
  interval_seconds: Type.Integer({ minimum: 1 }),
  price: Type.Number(),
  quantity: Type.Number(),
  type: Type.String(),
  marginal_quantity: Type.Number(),
  marginal_frac: Type.Number(),
  buyer_total: Type.Number(),
  seller_total: Type.Number(),
  next_boundary: Type.String({ description: 'ISO-8601' }),
});

/** Holds the schema and PriceMessage (workers/price-channel.ts) to the same fields. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameFields: Same<Static<typeof PriceMessageSchema>, PriceMessage> = true;
void sameFields;
