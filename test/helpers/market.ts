import { intervalStart } from '../../engine/intervals.js';
import type { Database } from '../../storage/index.js';

export interface TestMarket {
  readonly systemId: number;
  readonly resourceId: number;
  readonly users: number[];
  readonly devices: number[];
}

/** A system with `interval` seconds, `devices` devices each owned by its own user. */
export async function createMarket(
  db: Database,
  name: string,
  seconds: number,
  devices = 4,
): Promise<TestMarket> {
  const system = await db.system.add({ name });
  const systemId = system.system_id;
  await db.config.set({ system_id: systemId, name: 'interval', value: String(seconds) });
  const resourceId = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  const users: number[] = [];
  const ids: number[] = [];
  for (let i = 0; i < devices; i++) {
    const user = await db.user.add({ system_id: systemId, name: `u${i}`, email: `u${i}@${name}.example` });
    users.push(user.user_id);
    ids.push((await db.device.add({ user_id: user.user_id, name: `d${i}` })).device_id);
  }
  return { systemId, resourceId, users, devices: ids };
}

/** Places orders for the interval open now. */
export async function placeOrders(
  db: Database,
  market: TestMarket,
  seconds: number,
  orders: readonly { device: number; side: 'buy' | 'sell'; quantity: number; price: number }[],
  now = Date.now(),
): Promise<Date> {
  const start = intervalStart(now, seconds);
  await db.order.addMany(
    orders.map((o) => ({
      device_id: market.devices[o.device]!,
      resource_id: market.resourceId,
      interval_start: start,
      side: o.side,
      quantity: o.quantity,
      price: o.price,
    })),
  );
  return start;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
