import type { Database } from '../storage/index.js';
import { random } from './book.js';

/** The interval of the benchmarks' price and order rows, and a day, in ms. */
export const INTERVAL_MS = 300_000;
export const DAY_MS = 86_400_000;

export interface Owners {
  readonly systemId: number;
  readonly resourceId: number;
  readonly devices: number[];
}

/** `n` users each with one device, written with COPY in one transaction (setup, not measured). */
export async function createDevices(db: Database, n: number): Promise<Owners> {
  const systemId = await db.systemId();
  const resourceId = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  return db.withTransaction(async (tx) => {
    const userIds = await tx.user.reserveIds(n);
    await tx.user.addMany(
      userIds.map((id) => ({
        system_id: systemId,
        name: `u${id}`,
        role: 'CUSTOMER',
        email: `u${id}@bench.example`,
      })),
      { ids: userIds },
    );
    const deviceIds = await tx.device.reserveIds(n);
    await tx.device.addMany(
      deviceIds.map((id, i) => ({ user_id: userIds[i]!, name: `d${id}`, unique_id: `bench-device-${id}` })),
      { ids: deviceIds },
    );
    return { systemId, resourceId, devices: deviceIds };
  });
}

/** Order rows for one interval: one per device, half buys and half sells, prices in cents. */
export function orderRows(
  owners: Owners,
  n: number,
  intervalStart: Date,
  seed = 7,
): Record<string, unknown>[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => ({
    device_id: owners.devices[i % owners.devices.length],
    resource_id: owners.resourceId,
    interval_start: intervalStart,
    side: i % 2 ? 'sell' : 'buy',
    quantity: Math.round((0.1 + next() * 9.9) * 1000) / 1000,
    price: Math.round((50 + (next() - 0.5) * 60) * 100) / 100,
  }));
}
