import { beforeAll, describe, expect, it } from 'vitest';
import { call, type People, seedPeople, useApi } from './helpers.js';

const clock = Date.UTC(2034, 4, 1, 9, 1, 0);
const api = useApi({ now: () => new Date(clock) });
let p: People;
let resourceId: number;
beforeAll(async () => {
  p = await seedPeople(api.db);
  resourceId = (await api.db.resource.find({ system_id: await api.db.systemId(), name: 'capacity' }))!;
  await api.db.config.add({ name: 'order-price-max', value: '100' });
});

describe('GET /markets/<resource>/intervals/<start>: the curves show the book the clearing reads', () => {
  it('orders the clearing leaves out (past the order limits) are not on the curves', async () => {
    const start = '2034-05-01T09:00:00.000Z';
    const place = (token: string, side: string, quantity: number, price: number) =>
      call(api.app, 'POST', '/api/v1/orders', {
        token,
        body: { resource: 'capacity', side, quantity, price },
      });
    expect((await place(p.tokens.device, 'buy', 2, 50)).statusCode).toBe(202);
    expect((await place(p.tokens.otherDevice, 'sell', 3, 20)).statusCode).toBe(202);
    // Written around the intake, which would refuse them: the clearing leaves both out.
    const around = { resource_id: resourceId, interval_start: start };
    await api.db.order.add({
      ...around,
      device_id: p.device.device_id,
      side: 'buy',
      quantity: 7,
      price: 500,
    });
    await api.db.order.add({
      ...around,
      device_id: p.otherDevice.device_id,
      side: 'sell',
      quantity: 4,
      price: 300,
    });
    const r = await call(api.app, 'GET', `/api/v1/markets/capacity/intervals/${start}`, {
      token: p.tokens.operator,
    });
    expect(r.statusCode).toBe(200);
    expect(r.data.orders).toEqual({ buy: 1, sell: 1 });
    expect(r.data.demand).toEqual([{ price: 50, quantity: 2 }]);
    expect(r.data.supply).toEqual([{ price: 20, quantity: 3 }]);
  });
});
