import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { OrderLimits } from '../engine/order-limits.js';
import type { OrderRow } from '../storage/index.js';
import { roundTo } from '../storage/index.js';
import { assertOwns } from './auth.js';
import type { ApiContext } from './context.js';
import { ErrorCode } from './error-codes.js';
import { fail } from './errors.js';
import { checkOrder, withinDeviceLimits } from './order-checks.js';
import { OrderChange, type OrderFields, OrderParams } from './order-schemas.js';
import { BASE } from './paths.js';
import type { TypedApp } from './route-types.js';

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

/** The market limits of an order's system and resource (defaults when its device has no system). */
async function limitsOf(ctx: ApiContext, systemId: number | null, order: OrderRow): Promise<OrderLimits> {
  return ctx.directory.orderLimits(systemId ?? 0, order.resource_id);
}

/** Changes an open order (side, quantity, price), within its market's and its device's limits. */
export async function changeOrder(
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

/** PUT and DELETE of one order by its unique_id, until its interval closes. */
export function registerOrderRoutes(app: TypedApp, ctx: ApiContext): void {
  const response = { 200: Type.Ref('orderRow'), '4xx': Type.Ref('Error') };
  app.route({
    method: 'PUT',
    url: `${BASE}/orders/:unique_id`,
    config: { access: { resource: 'order', op: 'write' } },
    schema: {
      tags: ['orders'],
      summary: 'replace an open order (side, quantity, price)',
      params: OrderParams,
      body: OrderChange,
      response,
    },
    handler: async (request) =>
      changeOrder(ctx, request, request.params.unique_id, { ...request.body, status: 'OPEN' }),
  });
  app.route({
    method: 'DELETE',
    url: `${BASE}/orders/:unique_id`,
    config: { access: { resource: 'order', op: 'write' } },
    schema: { tags: ['orders'], summary: 'cancel an open order', params: OrderParams, response },
    handler: async (request) => {
      const uniqueId = request.params.unique_id;
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
