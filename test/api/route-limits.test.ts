import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatToken } from '../../storage/tokens.js';
import { call, type People, seedPeople, useApi } from './helpers.js';

// Small limits so that a test can reach them: 5 requests a minute per token, 4 per address.
const api = useApi({
  routeRateLimit: {
    token: { max: 5, timeWindowMs: 60_000 },
    address: { max: 4, timeWindowMs: 60_000 },
  },
  env: { TRUST_PROXY: 'on' },
});
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

const from = (address: string) => ({ 'x-forwarded-for': address });

describe('every route is rate-limited per token, and per address without one', () => {
  it('a token meets its limit over all routes together; another token and other addresses do not', async () => {
    const statuses: number[] = [];
    for (const url of [
      '/api/v1/users',
      '/api/v1/devices',
      '/api/v1/config',
      '/api/v1/orders',
      '/api/v1/users',
    ]) {
      statuses.push(
        (await call(api.app, 'GET', url, { token: p.tokens.admin, headers: from('10.0.0.1') })).statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const over = await call(api.app, 'GET', '/api/v1/resources', {
      token: p.tokens.admin,
      headers: from('10.0.0.2'),
    });
    expect(over.statusCode).toBe(429);
    expect(over.data.error.code).toBe('RATE_LIMITED');
    expect(over.data.error.message).toMatch(/^rate limit of 5 requests exceeded; retry in /);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Writes count too, before their body is read.
    const post = await call(api.app, 'POST', '/api/v1/config', {
      token: p.tokens.admin,
      body: { name: 'x', value: 'y' },
    });
    expect(post.statusCode).toBe(429);
    expect((await call(api.app, 'GET', '/api/v1/users', { token: p.tokens.operator })).statusCode).toBe(200);
  });

  it('requests without a token count per client address (X-Forwarded-For, as TRUST_PROXY allows)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call(api.app, 'GET', '/health', { headers: from('10.0.1.1') })).statusCode);
    expect(statuses.slice(0, 4).every((s) => s !== 429)).toBe(true);
    expect(statuses[4]).toBe(429);
    // Unserved methods, unknown paths and routes that need a token are limited the same way.
    expect(
      (await call(api.app, 'GET', '/api/v1/nothing-here', { headers: from('10.0.1.1') })).statusCode,
    ).toBe(429);
    expect((await call(api.app, 'PATCH', '/api/v1/users', { headers: from('10.0.1.1') })).statusCode).toBe(
      429,
    );
    expect((await call(api.app, 'GET', '/api/v1/users', { headers: from('10.0.1.1') })).statusCode).toBe(429);
    // Another client behind the same proxy has its own count.
    expect((await call(api.app, 'GET', '/api/v1/users', { headers: from('10.0.1.2') })).statusCode).toBe(401);
  });

  it('a bad token is counted before it is checked, as its token or (malformed) as its address', async () => {
    const token = formatToken(randomUUID(), randomBytes(32).toString('base64url'));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await call(api.app, 'GET', '/api/v1/users', { token, headers: from('10.0.2.1') })).statusCode,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const malformed: number[] = [];
    for (let i = 0; i < 5; i++) {
      malformed.push(
        (
          await call(api.app, 'GET', '/api/v1/users', {
            token: `not-a-token-${i}`,
            headers: from('10.0.2.2'),
          })
        ).statusCode,
      );
    }
    expect(malformed).toEqual([401, 401, 401, 401, 429]);
  });
});
