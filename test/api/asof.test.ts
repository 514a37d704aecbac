import { beforeAll, describe, expect, it } from 'vitest';
import { call, type People, seedPeople, useApi } from './helpers.js';

// The server's clock is fixed, so "later than now" is exact to the millisecond.
const NOW = Date.UTC(2031, 5, 1, 12, 0, 0);
const api = useApi({ now: () => new Date(NOW) });
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

/** Every route that reads as of a time, with `asof` appended. */
const routes = (asof: string): string[] => {
  const t = encodeURIComponent(asof);
  return [
    `/api/v1/config?asof=${t}`,
    `/api/v1/config?name=interval&asof=${t}`,
    `/api/v1/config/1?asof=${t}`,
    `/api/v1/prices/current?resource=capacity&asof=${t}`,
    `/api/v1/prices?resource=capacity&from=2031-06-01T00:00:00Z&to=2031-06-01T06:00:00Z&asof=${t}`,
    `/api/v1/prices?resource=capacity&from=2031-06-01T00:00:00Z&to=2031-06-01T06:00:00Z&bucket=1h&asof=${t}`,
    `/api/v1/transactions?user=${p.customer.user_id}&asof=${t}`,
    `/api/v1/markets/capacity/intervals/2031-06-01T11:00:00Z?asof=${t}`,
  ];
};

describe('asof later than the server’s time', () => {
  it('is a 400 INVALID naming asof and the server’s time, on every as-of read', async () => {
    for (const asof of ['2031-06-01T12:00:00.001Z', '2031-06-01T13:00:01+01:00', '2999-01-01']) {
      for (const url of routes(asof)) {
        const r = await call(api.app, 'GET', url, { token: p.tokens.admin });
        expect(r.statusCode, url).toBe(400);
        expect(r.data, url).toEqual({
          error: {
            code: 'INVALID',
            message: `asof must not be later than the server's time (2031-06-01T12:00:00.000Z), not ${JSON.stringify(asof)}`,
          },
        });
      }
    }
  });

  it('the server’s time itself and earlier are answered', async () => {
    for (const asof of ['2031-06-01T12:00:00Z', '2031-06-01T13:00:00+01:00', '2031-06-01T11:59:59.999Z']) {
      for (const url of routes(asof)) {
        const r = await call(api.app, 'GET', url, { token: p.tokens.admin });
        expect([200, 404], `${url}: ${r.body}`).toContain(r.statusCode);
      }
    }
  });
});
