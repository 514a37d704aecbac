import { type Static, Type } from '@sinclair/typebox';
import { SIDES } from '../engine/book.js';
import { MAX_ORDER_PRICE, MAX_ORDER_QUANTITY } from './limits.js';
import { Id, OneOf } from './schemas.js';

/** Schemas of the order routes; the handlers' types are derived from them. */

const SideSchema = OneOf(SIDES);
const Quantity = Type.Number({
  exclusiveMinimum: 0,
  maximum: MAX_ORDER_QUANTITY,
  description: 'in the resource quantity unit',
});
const Price = Type.Number({
  minimum: -MAX_ORDER_PRICE,
  maximum: MAX_ORDER_PRICE,
  description: 'in the resource price unit',
});
const Name = Type.String({ minLength: 1, maxLength: 200 });

/** POST /orders. */
export const OrderBody = Type.Object(
  {
    resource: Type.Optional(Name),
    resource_id: Type.Optional(Id),
    device_id: Type.Optional(Id),
    unique_id: Type.Optional(Name),
    side: SideSchema,
    quantity: Quantity,
    price: Price,
  },
  { additionalProperties: false },
);

/** The answer to POST /orders (202: accepted into a group-commit batch). */
export const OrderAccepted = Type.Object({
  order_id: Type.Integer(),
  unique_id: Type.String(),
  interval_start: Type.String({ format: 'date-time' }),
  clears_at: Type.String({ format: 'date-time' }),
});

/** PUT /orders/:unique_id: what a change of an order may name, at least one of them. */
export const OrderChange = Type.Object(
  { side: Type.Optional(SideSchema), quantity: Type.Optional(Quantity), price: Type.Optional(Price) },
  { additionalProperties: false, minProperties: 1 },
);
export type OrderFields = Static<typeof OrderChange>;

/** PUT /orders: a change naming its order in the body. */
export const OrderReplace = Type.Object(
  {
    unique_id: Name,
    side: Type.Optional(SideSchema),
    quantity: Type.Optional(Quantity),
    price: Type.Optional(Price),
  },
  { additionalProperties: false },
);

/** The path of one order. */
export const OrderParams = Type.Object({ unique_id: Name }, { additionalProperties: false });
