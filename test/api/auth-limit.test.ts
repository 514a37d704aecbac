import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatToken } from '../../storage/tokens.js';
import { call, type People, seedPeople, useApi } from './helpers.js';

const api = useApi({ priceRateLimit: { max: 3, timeWindowMs: 60_000 } });
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

/** A well-formed token that names no token row. */
const randomToken = () => formatToken(randomUUID(), randomBytes(32).toString('base64url'));

describe('bad tokens and rate limits', () => {
  it("a route's own limit counts requests with bad tokens (it runs before authentication)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(api.app, 'GET', '/api/v1/prices/current?resource=capacity', {
        token: randomToken(),
      });
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('an address is refused (429) after 100 failed authentications a minute, good token or not', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 110; i++) {
      statuses.push((await call(api.app, 'GET', '/api/v1/orders', { token: randomToken() })).statusCode);
    }
    // Three failures were counted by the test above.
    expect(statuses.slice(0, 97)).toEqual(Array(97).fill(401));
    expect(statuses.slice(97)).toEqual(Array(13).fill(429));
    const good = await call(api.app, 'GET', '/api/v1/orders', { token: p.tokens.admin });
    expect(good.statusCode).toBe(429);
    expect(good.data.error.code).toBe('RATE_LIMITED');
    expect(Number(good.headers['retry-after'])).toBeGreaterThan(0);
  });
});
