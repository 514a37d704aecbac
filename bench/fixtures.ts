import type pg from 'pg';
import { copyRows } from '../storage/index.js';
import type { Database } from '../storage/index.js';
import { TABLES } from '../storage/index.js';
import { random } from './book.js';

export interface Owners {
  readonly systemId: number;
  readonly resourceId: number;
  readonly devices: number[];
}

/** `n` users each with one device, written with COPY (setup, not measured). */
export async function createDevices(db: Database, n: number): Promise<Owners> {
  const systemId = await db.systemId();
  const resourceId = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const userIds = await reserve(client, 'user', n);
    await copyRows(
      client,
      TABLES.user,
      userIds.map((id) => ({
        system_id: systemId,
        name: `u${id}`,
        role: 'CUSTOMER',
        email: `u${id}@bench.example`,
      })),
      userIds,
    );
    const deviceIds = await reserve(client, 'device', n);
    await copyRows(
      client,
      TABLES.device,
      deviceIds.map((id, i) => ({ user_id: userIds[i], name: `d${id}`, unique_id: `bench-device-${id}` })),
      deviceIds,
    );
    await client.query('COMMIT');
    return { systemId, resourceId, devices: deviceIds };
  } finally {
    client.release();
  }
}

async function reserve(client: pg.PoolClient, table: string, n: number): Promise<number[]> {
  const { rows } = await client.query(
    'SELECT nextval(pg_get_serial_sequence($1, $2)) AS id FROM generate_series(1, $3)',
    [`"${table}"`, `${table}_id`, n],
  );
  return rows.map((r) => r.id);
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
