import { beforeAll, describe, expect, it } from 'vitest';
import { call, useApi } from './helpers.js';

// A price of an interval not yet begun (as a forged POST once wrote): never "current".
const NOW = Math.floor((Date.now() - 86_400_000) / 300_000) * 300_000;
const api = useApi({ now: () => new Date(NOW) });
let cleared: number;

beforeAll(async () => {
  const systemId = await api.db.systemId();
  const resourceId = (await api.db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  const add = (start: number, price: number) =>
    api.db.price.add({
      resource_id: resourceId,
      interval_start: new Date(start),
      interval_seconds: 300,
      price,
      quantity: 1,
      type: 'PRICE',
    });
  cleared = (await add(NOW - 300_000, 10)).price_id;
  await add(NOW + 365 * 86_400_000, 99);
});

describe('GET /prices/current with a price of a future interval in the table', () => {
  it('serves the latest interval that has begun, from the database and then from memory', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await call(api.app, 'GET', '/api/v1/prices/current?resource=capacity');
      expect(r.statusCode).toBe(200);
      expect(r.data).toMatchObject({ price_id: cleared, price: 10 });
    }
  });
});
