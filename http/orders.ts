import { ErrorCode } from './error-codes.js';
import { intervalStart } from '../engine/intervals.js';
import type { Database } from '../storage/index.js';
import { uuidv7 } from '../storage/index.js';
import { roundTo } from '../storage/index.js';
import { type DeviceWrite, actingDevice } from './acting-device.js';
import type { ApiContext, OrderIntake } from './context.js';
import { fail } from './errors.js';
import { GroupCommit, type GroupCommitOptions } from './group-commit.js';
import { changeOrder } from './order-changes.js';
import { checkOrder, withinDeviceLimits } from './order-checks.js';
import { OrderAccepted, OrderBody, OrderReplace } from './order-schemas.js';
import { specialWrite, type TableSpecials } from './table-specials.js';

// The POST body schema, also what the order benchmark's baseline route validates with.
export { OrderBody };

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

/** POST (intake) and PUT (replace, with unique_id in the body) of the orders resource. */
export function orderSpecials(ctx: ApiContext): TableSpecials {
  return {
    add: specialWrite({
      body: OrderBody,
      responses: { 202: OrderAccepted },
      handler: async (request, reply) => {
        const body = request.body;
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
    }),
    set: specialWrite({
      body: OrderReplace,
      handler: async (request) => {
        const { unique_id, ...change } = request.body;
        return changeOrder(ctx, request, unique_id, { ...change, status: 'OPEN' });
      },
    }),
  };
}
