import { Type } from '@sinclair/typebox';
import { ErrorCode } from './error-codes.js';
import { type DeviceWrite, actingDevice } from './acting-device.js';
import type { ApiContext } from './context.js';
import { fail } from './errors.js';
import { MAX_METER_QUANTITY } from './limits.js';
import { resourceOf } from './orders.js';
import type { TypedRequest } from './route-types.js';
import { specialWrite, type TableSpecials } from './table-specials.js';
import { Id, Time } from './schemas.js';

export const MeterBody = Type.Object(
  {
    device_id: Type.Optional(Id),
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    resource_id: Type.Optional(Id),
    interval_start: Time,
    quantity: Type.Number({ minimum: -MAX_METER_QUANTITY, maximum: MAX_METER_QUANTITY }),
  },
  { additionalProperties: false },
);

/**
 * A reading belongs to one interval of the market: its start is on the grid (a whole
 * multiple of the interval from the epoch) and has already come, since a reading of an
 * interval not yet begun can only be made up.
 */
async function checkInterval(ctx: ApiContext, systemId: number, text: string): Promise<void> {
  const seconds = await ctx.directory.interval(systemId);
  const start = Date.parse(text);
  if (start % (seconds * 1000) !== 0) {
    throw fail(
      ErrorCode.INVALID,
      `body.interval_start must start an interval (a whole multiple of ${seconds} s from the epoch), not ${text}`,
    );
  }
  if (start > ctx.now().getTime()) {
    throw fail(ErrorCode.INVALID, `body.interval_start must not be in the future, not ${text}`);
  }
}

const METER_WRITE: DeviceWrite = {
  table: 'meter',
  ownOnly: 'a device token posts readings of its own device only',
};

/** A meter reading's row: the device is a device token's own; user tokens name it. */
async function meterRow(ctx: ApiContext, request: TypedRequest<{ body: typeof MeterBody }>) {
  const body = request.body;
  const { deviceId, systemId } = await actingDevice(ctx, request, body.device_id, METER_WRITE);
  const resourceId = await resourceOf(ctx, systemId, body);
  await checkInterval(ctx, systemId, body.interval_start);
  return {
    device_id: deviceId,
    resource_id: resourceId,
    interval_start: body.interval_start,
    quantity: body.quantity,
  };
}

/** Meter readings by resource name; a correction is a PUT of the same reading. */
export function meterSpecials(ctx: ApiContext): TableSpecials {
  return {
    add: specialWrite({
      body: MeterBody,
      responses: { 201: Type.Ref('meterRow') },
      handler: async (request, reply) =>
        reply.code(201).send(await ctx.db.meter.add(await meterRow(ctx, request))),
    }),
    set: specialWrite({
      body: MeterBody,
      handler: async (request) => ctx.db.meter.set(await meterRow(ctx, request)),
    }),
  };
}
