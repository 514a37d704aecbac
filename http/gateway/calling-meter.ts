import type { FastifyRequest } from 'fastify';
import type { Database, FieldMeterRow } from '../../storage/index.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';

/** The field meter whose device the request's device token is (403 for any other caller). */
export async function callingMeter(
  db: Database,
  request: FastifyRequest,
  what: string,
): Promise<FieldMeterRow> {
  const principal = request.principal!;
  if (principal.deviceId === null) {
    throw fail(ErrorCode.FORBIDDEN, `${what} with the field meter's device token`);
  }
  const [meter, another] = await db.field_meter.list({
    where: { system_id: principal.systemId, device_id: principal.deviceId },
    limit: 2,
  });
  if (!meter) throw fail(ErrorCode.FORBIDDEN, `device ${principal.deviceId} is no field meter's device`);
  if (another) {
    throw fail(ErrorCode.INVALID, `device ${principal.deviceId} is the device of several field meters`);
  }
  return meter;
}
