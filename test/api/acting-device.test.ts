import { beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRow } from '../../storage/index.js';
import { call, type People, seedPeople, useApi } from './helpers.js';

// Orders and meter readings find the device they are for by the same rule.
const api = useApi();
let p: People;
/** A later version of the customer's device: its row id is not the entry id. */
let renamed: DeviceRow;

beforeAll(async () => {
  p = await seedPeople(api.db);
  renamed = await api.db.device.set({ unique_id: p.device.unique_id, name: 'heater, renamed' });
});

/** Starts of intervals that have begun (intervals of 300 s, the seed config), one per reading. */
const now = Math.floor(Date.now() / 300_000);
let readings = 0;
const past = () => new Date((now - ++readings) * 300_000).toISOString();
const order = (token: string, device_id?: number) =>
  call(api.app, 'POST', '/api/v1/orders', {
    token,
    body: { resource: 'capacity', side: 'buy', quantity: 1, price: 10, device_id },
  });
const reading = (token: string, device_id?: number) =>
  call(api.app, 'POST', '/api/v1/meters', {
    token,
    body: { resource: 'capacity', interval_start: past(), quantity: 1, device_id },
  });

describe('the device a write is for', () => {
  it('a device token writes for its own device, named by any of its row ids', async () => {
    expect(renamed.device_id).not.toBe(p.device.device_id);
    expect((await order(p.tokens.device, renamed.device_id)).statusCode).toBe(202);
    const r = await reading(p.tokens.device, renamed.device_id);
    expect(r.statusCode, r.body).toBe(201);
    expect(r.data.device_id).toBe(p.device.device_id);
  });

  it('a device token naming another device is refused, in words of its route', async () => {
    const o = await order(p.tokens.device, p.otherDevice.device_id);
    expect(o.statusCode).toBe(403);
    expect(o.data.error.message).toBe('a device token places orders for its own device only');
    const m = await reading(p.tokens.device, p.otherDevice.device_id);
    expect(m.statusCode).toBe(403);
    expect(m.data.error.message).toBe('a device token posts readings of its own device only');
  });

  it('a user token names the device, stored by its entry id', async () => {
    const o = await order(p.tokens.customer, renamed.device_id);
    expect(o.statusCode, o.body).toBe(202);
    const { rows } = await api.db.sql.query('SELECT device_id FROM "order" WHERE unique_id = $1', [
      o.data.unique_id,
    ]);
    expect(Number(rows[0].device_id)).toBe(p.device.device_id);
    expect((await order(p.tokens.customer, p.otherDevice.device_id)).statusCode).toBe(403);
    // Customers read their meters; readings are written by administrators (or devices).
    const m = await reading(p.tokens.admin, renamed.device_id);
    expect(m.statusCode, m.body).toBe(201);
    expect(m.data.device_id).toBe(p.device.device_id);
    for (const r of [await order(p.tokens.customer), await reading(p.tokens.admin)]) {
      expect(r.statusCode).toBe(400);
      expect(r.data.error.message).toBe('body.device_id is required with a user token');
    }
  });
});
