import type { FastifyRequest } from 'fastify';
import { assertOwns } from './auth.js';
import type { ApiContext } from './context.js';
import { ErrorCode } from './error-codes.js';
import { fail } from './errors.js';

/** What a request writes for a device, and the refusal of a device token naming another. */
export interface DeviceWrite {
  readonly table: 'order' | 'meter';
  /** The FORBIDDEN message when a device token names a device that is not its own. */
  readonly ownOnly: string;
}

/**
 * The device a write is for, as its entry id, and the device's system. A device token
 * writes for its own device (the body may name it, by any of its row ids, and no other);
 * a user token names the device in the body (`device_id`), which the user must own.
 */
export async function actingDevice(
  ctx: ApiContext,
  request: FastifyRequest,
  deviceId: number | undefined,
  write: DeviceWrite,
): Promise<{ deviceId: number; systemId: number }> {
  const principal = request.principal!;
  if (principal.actor === 'DEVICE') {
    const own = principal.deviceId!;
    if (deviceId !== undefined && deviceId !== own && (await ctx.db.entryId('device', deviceId)) !== own) {
      throw fail(ErrorCode.FORBIDDEN, write.ownOnly);
    }
    return { deviceId: own, systemId: principal.systemId };
  }
  if (deviceId === undefined) throw fail(ErrorCode.INVALID, 'body.device_id is required with a user token');
  await assertOwns(ctx.db, request, write.table, { device_id: deviceId });
  const systemId = await ctx.directory.deviceSystem(deviceId);
  const entry = systemId === null ? null : await ctx.db.entryId('device', deviceId);
  if (systemId === null || entry === null) throw fail(ErrorCode.NOT_FOUND, `device ${deviceId} not found`);
  return { deviceId: entry, systemId };
}
