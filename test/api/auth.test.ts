import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../http/server.js';
import { readSettings } from '../../cli/settings.js';
import { connectRedis } from '../../workers/redis.js';
import { redisUrl } from '../helpers/server-url.js';
import { call, type People, seedPeople, useApi } from './helpers.js';

// Two API processes on one database, each caching token lookups while it listens on Redis.
const api = useApi({ subscriber: true });
let p: People;
let second: FastifyInstance;
let redis2: Redis;
let sub2: Redis;
beforeAll(async () => {
  p = await seedPeople(api.db);
  redis2 = await connectRedis(redisUrl());
  sub2 = await connectRedis(redisUrl());
  second = await buildServer({
    settings: readSettings({ DATABASE_URL: api.test.url, LOG_LEVEL: 'silent' }),
    db: api.db,
    redis: redis2,
    subscriber: sub2,
  });
});
afterAll(async () => {
  await second?.close();
  sub2?.disconnect();
  redis2?.disconnect();
});

describe('bearer tokens', () => {
  it('no token, a malformed one (the message names the shape) or a wrong secret is 401', async () => {
    const good = p.tokens.operator;
    const wrongSecret = `${good.slice(0, -4)}AAAA`;
    const malformed =
      'the bearer token is malformed: a token reads tess_<unique_id>_<secret>, a UUID and 43 base64url characters';
    for (const [header, message] of [
      [undefined, 'this request needs a bearer token'],
      ['Basic abc', 'Authorization must be "Bearer tess_<unique_id>_<secret>"'],
      ['Bearer nope', malformed],
      [`Bearer ${good.slice(0, -1)}`, malformed],
      [`Bearer tess_not-a-uuid_${good.slice(-43)}`, malformed],
      // Well-formed but wrong or unknown: nothing said beyond "not valid".
      [`Bearer ${wrongSecret}`, 'the bearer token is not valid'],
      [
        `Bearer tess_00000000-0000-4000-8000-000000000000_${good.slice(-43)}`,
        'the bearer token is not valid',
      ],
    ] as const) {
      const r = await call(
        api.app,
        'GET',
        '/api/v1/systems',
        header ? { headers: { authorization: header } } : {},
      );
      expect(r.statusCode, header).toBe(401);
      expect(r.data).toEqual({ error: { code: 'UNAUTHORIZED', message } });
    }
    expect((await call(api.app, 'GET', '/api/v1/systems', { token: good })).statusCode).toBe(200);
  });

  it('a revoked token is refused at once, in every API process', async () => {
    const issued = await call(api.app, 'POST', '/api/v1/tokens', {
      token: p.tokens.admin,
      body: { user_id: p.operator.user_id },
    });
    const t = issued.data.token as string;
    // Both processes have seen (and cached) the token.
    for (let i = 0; i < 3; i++) {
      expect((await call(api.app, 'GET', '/api/v1/systems', { token: t })).statusCode).toBe(200);
      expect((await call(second, 'GET', '/api/v1/systems', { token: t })).statusCode).toBe(200);
    }
    const revoked = await call(api.app, 'PUT', '/api/v1/tokens', {
      token: p.tokens.admin,
      body: { unique_id: issued.data.unique_id, is_valid: false },
    });
    expect(revoked.statusCode).toBe(200);
    const here = await call(api.app, 'GET', '/api/v1/systems', { token: t });
    expect(here.statusCode).toBe(401);
    expect(here.data.error.message).toBe('the bearer token has been revoked');
    // The other process hears of it over Redis before the revoking request was answered;
    // delivery to its connection takes a moment, so poll briefly.
    let there = 0;
    for (let i = 0; i < 50; i++) {
      there = (await call(second, 'GET', '/api/v1/systems', { token: t })).statusCode;
      if (there === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(there).toBe(401);
  });

  it('a token for an unknown user is 404; for a user and a device at once, 400', async () => {
    const r = await call(api.app, 'POST', '/api/v1/tokens', {
      token: p.tokens.admin,
      body: { user_id: 999999 },
    });
    expect(r.statusCode).toBe(404);
    const both = await call(api.app, 'POST', '/api/v1/tokens', {
      token: p.tokens.admin,
      body: { user_id: p.customer.user_id, device_id: p.device.device_id },
    });
    expect(both.statusCode).toBe(400);
  });
});
