import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCode } from './error-codes.js';
import { SIDES, type Side } from '../engine/book.js';
import { intervalStart } from '../engine/intervals.js';
import type { OrderLimits } from '../engine/order-limits.js';
import type { Database, OrderRow } from '../storage/index.js';
import { uuidv7 } from '../storage/index.js';
import { roundTo } from '../storage/index.js';
import { type DeviceWrite, actingDevice } from './acting-device.js';
import { assertOwns } from './auth.js';
import type { ApiContext, OrderIntake } from './context.js';
import type { DeviceMarketInterval, TallyChange } from './device-tallies.js';
import { fail } from './errors.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import { MAX_ORDER_PRICE, MAX_ORDER_QUANTITY } from './limits.js';
import { BASE } from './paths.js';
import type { TableSpecials } from './resources.js';
import { Id, OneOf } from './schemas.js';

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

export const OrderAccepted = Type.Object({
  order_id: Type.Integer(),
  unique_id: Type.String(),
  interval_start: Type.String({ format: 'date-time' }),
  clears_at: Type.String({ format: 'date-time' }),
});

/** What a change of an order may name. */
interface OrderFields {
  side?: Side;
  quantity?: number;
  price?: number;
}

const OrderChange = Type.Object(
  { side: Type.Optional(SideSchema), quantity: Type.Optional(Quantity), price: Type.Optional(Price) },
  { additionalProperties: false, minProperties: 1 },
);

/**
 * Group commit of order intake: each batch is one multi-row INSERT (one round trip, its
 * own transaction). Orders in a batch carry fresh random unique_ids and entry ids, so
 * they need none of the key checks of a generic add; a batch refused for a row it
 * carried is written again row by row through storage's add (GroupCommit).
 */
export function orderIntake(db: Database, options?: GroupCommitOptions): GroupCommit<OrderIntake> {
  return new GroupCommit<OrderIntake>(
    (rows) => db.insertNewOrders(rows),
    async (row) => (await db.order.add({ ...row })).order_id,
    options,
  );
}

/** The device an order is placed for: a device token's own, or the body's device_id for user tokens. */
const ORDER_WRITE: DeviceWrite = {
  table: 'order',
  ownOnly: 'a device token places orders for its own device only',
};

/** The resource (entry id) named by name or id in a system. */
export async function resourceOf(
  ctx: ApiContext,
  systemId: number,
  body: { resource?: string; resource_id?: number },
): Promise<number> {
  if (body.resource !== undefined) {
    const id = await ctx.directory.resourceId(systemId, body.resource);
    if (id === null) throw fail(ErrorCode.NOT_FOUND, `resource ${body.resource} not found`);
    if (body.resource_id !== undefined && body.resource_id !== id) {
      throw fail(ErrorCode.INVALID, 'body.resource and body.resource_id name different resources');
    }
    return id;
  }
  if (body.resource_id !== undefined) {
    const row = await ctx.db.current('resource', body.resource_id);
    if (!row || row.system_id !== systemId) {
      throw fail(ErrorCode.NOT_FOUND, `resource ${body.resource_id} not found in the device's system`);
    }
    return (await ctx.db.entryId('resource', body.resource_id))!;
  }
  throw fail(ErrorCode.INVALID, 'body.resource is required (or body.resource_id)');
}

/** The current version of an order and its system, its owner checked, refused once its interval has closed. */
async function openOrder(
  ctx: ApiContext,
  request: FastifyRequest,
  uniqueId: string,
): Promise<{ order: OrderRow; systemId: number | null }> {
  const id = await ctx.db.order.find({ unique_id: uniqueId });
  const order = id === null ? null : await ctx.db.order.get(id);
  if (!order) throw fail(ErrorCode.NOT_FOUND, `${uniqueId} not found`);
  await assertOwns(ctx.db, request, 'order', { ...order });
  const systemId = await ctx.directory.deviceSystem(order.device_id);
  const seconds = systemId === null ? 300 : await ctx.directory.interval(systemId);
  const closes = order.interval_start.getTime() + seconds * 1000;
  if (order.status === 'CLEARED' || ctx.now().getTime() >= closes) {
    throw fail(
      ErrorCode.INTERVAL_CLOSED,
      `order ${uniqueId}: its interval ${order.interval_start.toISOString()} closed at ${new Date(closes).toISOString()}`,
    );
  }
  return { order, systemId };
}

/** Refuses (400 INVALID) an order beyond its market's order-quantity-max or order-price-max. */
function checkOrder(limits: OrderLimits, quantity: number, price: number): void {
  const maxQuantity = limits['order-quantity-max'];
  if (quantity > maxQuantity) {
    throw fail(
      ErrorCode.INVALID,
      `body.quantity must be at most ${maxQuantity} (order-quantity-max of this market), not ${quantity}`,
    );
  }
  const maxPrice = limits['order-price-max'];
  if (Math.abs(price) > maxPrice) {
    throw fail(
      ErrorCode.INVALID,
      `body.price must be from -${maxPrice} to ${maxPrice} (order-price-max of this market), not ${price}`,
    );
  }
}

/**
 * Writes an order change counted against its device's limits first: refused (409
 * ORDER_LIMIT) beyond them, uncounted again if the write fails.
 */
async function withinDeviceLimits<T>(
  ctx: ApiContext,
  at: DeviceMarketInterval,
  limits: OrderLimits,
  change: TallyChange,
  write: () => Promise<T>,
): Promise<T> {
  const undo = await ctx.deviceTallies.reserve(at, limits, change);
  try {
    return await write();
  } catch (err) {
    undo();
    throw err;
  }
}

/** The market limits of an order's system and resource (defaults when its device has no system). */
async function limitsOf(ctx: ApiContext, systemId: number | null, order: OrderRow): Promise<OrderLimits> {
  return ctx.directory.orderLimits(systemId ?? 0, order.resource_id);
}

async function changeOrder(
  ctx: ApiContext,
  request: FastifyRequest,
  uniqueId: string,
  change: OrderFields & { status: 'OPEN' },
): Promise<OrderRow> {
  const { order, systemId } = await openOrder(ctx, request, uniqueId);
  const limits = await limitsOf(ctx, systemId, order);
  const quantity = change.quantity === undefined ? order.quantity : roundTo(change.quantity, 6);
  checkOrder(limits, quantity, change.price ?? order.price);
  // A cancelled order opened again counts again; an open one counts only its change.
  const held =
    order.status === 'CANCELLED' ? { orders: 0, quantity: 0 } : { orders: 1, quantity: order.quantity };
  return withinDeviceLimits(
    ctx,
    { deviceId: order.device_id, resourceId: order.resource_id, intervalStart: order.interval_start },
    limits,
    { orders: 1 - held.orders, quantity: quantity - held.quantity },
    () => ctx.db.order.set({ unique_id: uniqueId, ...change }),
  );
}

/** POST (intake) and PUT (replace, with unique_id in the body) of the orders resource. */
export function orderSpecials(ctx: ApiContext): TableSpecials {
  return {
    add: {
      body: OrderBody,
      responses: { 202: OrderAccepted },
      handler: async (request, reply) => {
        const body = request.body as {
          resource?: string;
          resource_id?: number;
          device_id?: number;
          unique_id?: string;
          side: Side;
          quantity: number;
          price: number;
        };
        // Quantities are exact in millionths of the unit: what is stored is what clears.
        const quantity = roundTo(body.quantity, 6);
        if (!(quantity > 0)) {
          throw fail(ErrorCode.INVALID, `body.quantity must be at least 0.000001, not ${body.quantity}`);
        }
        const { deviceId, systemId } = await actingDevice(ctx, request, body.device_id, ORDER_WRITE);
        const resourceId = await resourceOf(ctx, systemId, body);
        const limits = await ctx.directory.orderLimits(systemId, resourceId);
        checkOrder(limits, quantity, body.price);
        const seconds = await ctx.directory.interval(systemId);
        const start = intervalStart(ctx.now(), seconds);
        const row: OrderIntake = {
          unique_id: body.unique_id ?? uuidv7(),
          device_id: deviceId,
          resource_id: resourceId,
          interval_start: start,
          side: body.side,
          quantity,
          price: body.price,
        };
        // A unique_id chosen by the client may be taken: that order goes through the
        // generic add, which checks its key ("{unique_id} exists").
        const orderId = await withinDeviceLimits(
          ctx,
          { deviceId, resourceId, intervalStart: start },
          limits,
          { orders: 1, quantity },
          async () =>
            body.unique_id === undefined
              ? ctx.orders.submit(row)
              : (await ctx.db.order.add({ ...row })).order_id,
        );
        const uniqueId = row.unique_id;
        return reply.code(202).send({
          order_id: orderId,
          unique_id: uniqueId,
          interval_start: start.toISOString(),
          clears_at: new Date(start.getTime() + seconds * 1000).toISOString(),
        });
      },
    },
    set: {
      body: Type.Object(
        {
          unique_id: Name,
          side: Type.Optional(SideSchema),
          quantity: Type.Optional(Quantity),
          price: Type.Optional(Price),
        },
        { additionalProperties: false },
      ),
      handler: async (request) => {
        const { unique_id, ...change } = request.body as { unique_id: string } & OrderFields;
        return changeOrder(ctx, request, unique_id, { ...change, status: 'OPEN' });
      },
    },
  };
}

/** PUT and DELETE of one order by its unique_id, until its interval closes. */
export function registerOrderRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const params = Type.Object({ unique_id: Name }, { additionalProperties: false });
  const response = { 200: Type.Ref('orderRow'), '4xx': Type.Ref('Error') };
  app.route({
    method: 'PUT',
    url: `${BASE}/orders/:unique_id`,
    config: { access: { resource: 'order', op: 'write' } },
    schema: {
      tags: ['orders'],
      summary: 'replace an open order (side, quantity, price)',
      params,
      body: OrderChange,
      response,
    },
    handler: async (request) =>
      changeOrder(ctx, request, (request.params as { unique_id: string }).unique_id, {
        ...(request.body as OrderFields),
        status: 'OPEN',
      }),
  });
  app.route({
    method: 'DELETE',
    url: `${BASE}/orders/:unique_id`,
    config: { access: { resource: 'order', op: 'write' } },
    schema: { tags: ['orders'], summary: 'cancel an open order', params, response },
    handler: async (request) => {
      const uniqueId = (request.params as { unique_id: string }).unique_id;
      const { order, systemId } = await openOrder(ctx, request, uniqueId);
      if (order.status === 'CANCELLED') return order;
      return withinDeviceLimits(
        ctx,
        { deviceId: order.device_id, resourceId: order.resource_id, intervalStart: order.interval_start },
        await limitsOf(ctx, systemId, order),
        { orders: -1, quantity: -order.quantity },
        () => ctx.db.order.set({ unique_id: uniqueId, status: 'CANCELLED' }),
      );
    },
  });
}
