import { PIN_ALPHABET } from '../engine/gateway/index.js';
import type { Database } from '../storage/index.js';
import { createDevices } from './fixtures.js';

/** The first `n` PINs in order (six distinct characters of the PIN alphabet): one village's circuits. */
export function pins(n: number): string[] {
  const out: string[] = [];
  const walk = (prefix: string): void => {
    if (out.length >= n) return;
    if (prefix.length === 6) {
      out.push(prefix);
      return;
    }
    for (const ch of PIN_ALPHABET) if (!prefix.includes(ch)) walk(prefix + ch);
  };
  walk('');
  return out;
}

export interface Village {
  readonly systemId: number;
  /** The circuits' entry ids, one per customer device. */
  readonly circuitIds: readonly number[];
}

/** One field meter and `n` circuits behind it, each of its own customer (setup, not measured). */
export async function createVillage(
  db: Database,
  n: number,
  limits: { readonly power_max?: number; readonly energy_max?: number } = {},
): Promise<Village> {
  const owners = await createDevices(db, n + 1);
  const meter = await db.field_meter.add({
    system_id: owners.systemId,
    device_id: owners.devices[n]!,
    name: 'village',
  });
  const circuitIds = await db.circuit.reserveIds(n);
  const list = pins(n);
  await db.circuit.addMany(
    circuitIds.map((_, i) => ({
      system_id: owners.systemId,
      device_id: owners.devices[i]!,
      field_meter_id: meter.field_meter_id,
      pin: list[i]!,
      ...limits,
    })),
    { ids: circuitIds },
  );
  return { systemId: owners.systemId, circuitIds };
}
