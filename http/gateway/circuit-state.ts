import { Type } from '@sinclair/typebox';
import { circuitActivity } from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { parseAsof } from '../query.js';
import type { TypedApp } from '../route-types.js';
import { AsofQuery, Nullable, Time } from '../schemas.js';
import { circuitByPin, parsePin } from './circuits.js';
import { GATEWAY_BASE } from './paths.js';

export const CircuitState = Type.Object(
  {
    pin: Type.String(),
    circuit_id: Type.Integer(),
    device_id: Type.Integer(),
    field_meter_id: Type.Integer(),
    user_id: Type.Integer({ description: "the account's user: the device's owner" }),
    energy_max: Nullable(Type.Number()),
    power_max: Nullable(Type.Number()),
    balance: Type.Number({ description: "the user's ledger balance" }),
    last_heard: Nullable(Time),
    status: Type.Union([Type.Literal('on'), Type.Literal('off')]),
  },
  { additionalProperties: false },
);

/**
 * A circuit by its PIN, as of `asof=` or now: limits, meter, account, credit (the owner's
 * ledger balance), when it last logged, and the switch position TESS last commanded.
 */
export function registerCircuitState(app: TypedApp, ctx: ApiContext): void {
  app.route({
    method: 'GET',
    url: `${GATEWAY_BASE}/circuits/:pin`,
    config: { access: { resource: 'circuit_state', op: 'read' } },
    schema: {
      tags: ['gateway'],
      summary: "a circuit's limits, balance, last log and switch state, by its PIN",
      params: Type.Object({ pin: Type.String({ maxLength: 16 }) }, { additionalProperties: false }),
      querystring: AsofQuery,
      response: { 200: CircuitState, '4xx': Type.Ref('Error') },
    },
    handler: async (request) => {
      const pin = parsePin(request.params.pin);
      const asof = parseAsof(request.query.asof, ctx.now());
      const db = asof ? ctx.db.at(asof) : ctx.db;
      const circuit = await circuitByPin(db, request, pin);
      const device = await db.current('device', circuit.device_id);
      if (!device) throw fail(ErrorCode.INTERNAL, `circuit ${pin}: device ${circuit.device_id} not found`);
      const [ledger, activity] = await Promise.all([
        db.userLedger(device.user_id, { asof, after: 0, limit: 1 }),
        circuitActivity(db, circuit.system_id, pin, asof),
      ]);
      return {
        pin,
        circuit_id: circuit.circuit_id,
        device_id: device.device_id,
        field_meter_id: circuit.field_meter_id,
        user_id: device.user_id,
        energy_max: circuit.energy_max,
        power_max: circuit.power_max,
        balance: ledger.balance,
        last_heard: activity.lastHeard?.toISOString() ?? null,
        status: activity.switched,
      };
    },
  });
}
