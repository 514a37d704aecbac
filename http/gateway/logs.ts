import { Type } from '@sinclair/typebox';
import {
  type Database,
  type FieldMeterRow,
  type PcuLogInput,
  type PrimaryLogInput,
  meterCircuits,
  writeLogs,
} from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import type { TypedApp } from '../route-types.js';
import { callingMeter } from './calling-meter.js';
import { checkPeriod, LOG_BODY_LIMIT, LOG_ROWS_MAX, LogsBody } from './log-input.js';
import { GATEWAY_BASE } from './paths.js';

const Counts = Type.Object({ added: Type.Integer(), duplicates: Type.Integer() });

/** The meter's circuits by PIN, each with its entry id (what logs name). */
async function circuitsOf(db: Database, meter: FieldMeterRow): Promise<Map<string, number>> {
  const circuits = await meterCircuits(db, meter.field_meter_id);
  const entries = await Promise.all(circuits.map((c) => db.entryId('circuit', c.circuit_id)));
  return new Map(circuits.map((c, i) => [c.pin, entries[i] ?? c.circuit_id]));
}

/**
 * A field meter posts its logs with its device token: per circuit (primary: energy and
 * peak power of each period) and per meter (PCU: solar, battery). Idempotent by owner and
 * period (storage/gateway/logs.ts): a repeat is counted as a duplicate; a row that
 * differs from the stored one for its period is 409 and nothing of the post is written.
 */
export function registerLogs(app: TypedApp, ctx: ApiContext): void {
  app.route({
    method: 'POST',
    url: `${GATEWAY_BASE}/logs`,
    bodyLimit: LOG_BODY_LIMIT,
    config: { access: { resource: 'gateway_log', op: 'write' } },
    schema: {
      tags: ['gateway'],
      summary: "a field meter's primary (per circuit) and PCU logs, with its device token",
      body: LogsBody,
      response: { 200: Type.Object({ primary: Counts, pcu: Counts }), '4xx': Type.Ref('Error') },
    },
    handler: async (request) => {
      const { primary = [], pcu = [] } = request.body;
      if (primary.length + pcu.length > LOG_ROWS_MAX) {
        throw fail(
          ErrorCode.INVALID,
          `body: at most ${LOG_ROWS_MAX} rows in one post (got ${primary.length + pcu.length})`,
        );
      }
      const meter = await callingMeter(ctx.db, request, 'logs are posted');
      const meterEntry = (await ctx.db.entryId('field_meter', meter.field_meter_id)) ?? meter.field_meter_id;
      const now = ctx.now();
      const circuits = primary.length ? await circuitsOf(ctx.db, meter) : new Map<string, number>();
      const primaryRows: PrimaryLogInput[] = primary.map((row, i) => {
        const at = `body.primary.${i}`;
        const circuit = circuits.get(row.pin);
        if (circuit === undefined) {
          throw fail(
            ErrorCode.FORBIDDEN,
            `${at}.pin: ${JSON.stringify(row.pin)} is no circuit of field meter ${meter.name}`,
          );
        }
        const { start, end } = checkPeriod(row, at, now);
        return {
          circuit_id: circuit,
          period_start: start,
          period_end: end,
          watthours: row.watthours,
          power_peak: row.power_peak ?? null,
          reported_credit: row.credit ?? null,
          label: `${at} (pin ${row.pin})`,
        };
      });
      const pcuRows: PcuLogInput[] = pcu.map((row, i) => {
        const at = `body.pcu.${i}`;
        const { start, end } = checkPeriod(row, at, now);
        return {
          field_meter_id: meterEntry,
          period_start: start,
          period_end: end,
          solar_wh: row.solar_wh,
          battery_wh: row.battery_wh ?? 0,
          battery_soc: row.battery_soc ?? null,
          label: `${at} (field meter ${meter.name})`,
        };
      });
      return writeLogs(ctx.db, primaryRows, pcuRows);
    },
  });
}
