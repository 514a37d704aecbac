import { randomBytes } from 'node:crypto';
import type { CircuitRow, Database, FieldMeterRow, UserRow } from '../../storage/index.js';
import { issueToken } from '../../storage/tokens.js';
import { beforeAll } from 'vitest';
import { type Api, type People, seedPeople, useApi } from './helpers.js';

export interface Gateway {
  vendor: UserRow;
  meter: FieldMeterRow;
  circuit: CircuitRow;
  /** A circuit of `other` on the same meter. */
  otherCircuit: CircuitRow;
  tokens: { vendor: string; meter: string };
}

/** A field meter (its device the operator's), accounts and a circuit for both customers, a vendor. */
export async function seedGateway(db: Database, people: People): Promise<Gateway> {
  const system_id = await db.systemId();
  const tag = randomBytes(3).toString('hex');
  const vendor = await db.user.add({
    system_id,
    name: 'vendor',
    role: 'VENDOR',
    email: `vendor-${tag}@example.org`,
  });
  const meterDevice = await db.device.add({ user_id: people.operator.user_id, name: `meter-${tag}` });
  const meter = await db.field_meter.add({
    system_id,
    device_id: meterDevice.device_id,
    name: `meter-${tag}`,
    time_zone: 'Africa/Bamako',
  });
  await db.account.add({ user_id: people.customer.user_id, phone: '+22300000001' });
  await db.account.add({ user_id: people.other.user_id });
  const circuit = await db.circuit.add({
    system_id,
    device_id: people.device.device_id,
    field_meter_id: meter.field_meter_id,
    pin: '234567',
    power_max: 500,
  });
  const otherCircuit = await db.circuit.add({
    system_id,
    device_id: people.otherDevice.device_id,
    field_meter_id: meter.field_meter_id,
    pin: '765432',
  });
  return {
    vendor,
    meter,
    circuit,
    otherCircuit,
    tokens: {
      vendor: (await issueToken(db, { userId: vendor.user_id })).token,
      meter: (await issueToken(db, { deviceId: meterDevice.device_id })).token,
    },
  };
}

/** useApi with one user of each role (seedPeople) and the gateway above, seeded before the file's tests. */
export function useGateway(options: Parameters<typeof useApi>[0] = {}): { api: Api; p: People; g: Gateway } {
  const ref = { api: useApi(options) } as { api: Api; p: People; g: Gateway };
  beforeAll(async () => {
    ref.p = await seedPeople(ref.api.db);
    ref.g = await seedGateway(ref.api.db, ref.p);
  });
  return ref;
}
