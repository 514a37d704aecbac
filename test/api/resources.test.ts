import { beforeAll, describe, expect, it } from 'vitest';
import { call, databaseClockPast, type People, seedPeople, useApi } from './helpers.js';

const api = useApi();
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

const admin = () => ({ token: p.tokens.admin });

describe('generic table resources', () => {
  it('POST adds (201 with the row), a taken key is 409 "{key} exists"', async () => {
    const r = await call(api.app, 'POST', '/api/v1/config', {
      ...admin(),
      body: { name: 'tariff', value: 'flat' },
    });
    expect(r.statusCode).toBe(201);
    expect(r.data).toMatchObject({ name: 'tariff', value: 'flat', system_id: await api.db.systemId() });
    expect(typeof r.data.config_id).toBe('number');
    expect(Date.parse(r.data.created)).not.toBeNaN();
    const again = await call(api.app, 'POST', '/api/v1/config', {
      ...admin(),
      body: { name: 'tariff', value: 'x' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.data).toEqual({ error: { code: 'EXISTS', message: 'tariff exists' } });
  });

  it('GET by id, find by natural key (or 404), list with a cursor', async () => {
    const added = await call(api.app, 'POST', '/api/v1/systems', { ...admin(), body: { name: 'north' } });
    expect(added.statusCode).toBe(201);
    const byId = await call(api.app, 'GET', `/api/v1/systems/${added.data.system_id}`, admin());
    expect(byId.statusCode).toBe(200);
    expect(byId.data).toEqual(added.data);
    const found = await call(api.app, 'GET', '/api/v1/systems?name=north', admin());
    expect(found.data).toEqual(added.data);
    const missing = await call(api.app, 'GET', '/api/v1/systems?name=nowhere', admin());
    expect(missing.statusCode).toBe(404);
    expect(missing.data).toEqual({ error: { code: 'NOT_FOUND', message: 'nowhere not found' } });
    expect((await call(api.app, 'GET', '/api/v1/systems/999999', admin())).statusCode).toBe(404);

    const seen: string[] = [];
    let after = 0;
    for (let page = 0; page < 10; page++) {
      const r = await call(api.app, 'GET', `/api/v1/config?limit=2&after=${after}`, admin());
      expect(r.statusCode).toBe(200);
      expect(r.data.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.data.items.map((c: { name: string }) => c.name));
      if (r.data.next === null) break;
      after = r.data.next;
    }
    expect(seen).toEqual(expect.arrayContaining(['interval', 'mechanism', 'tariff']));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('PUT sets (a new version); an unknown key is 404 "{key} not found"', async () => {
    const r = await call(api.app, 'PUT', '/api/v1/config', {
      ...admin(),
      body: { name: 'tariff', value: 'tou' },
    });
    expect(r.statusCode).toBe(200);
    expect(r.data.value).toBe('tou');
    const found = await call(api.app, 'GET', '/api/v1/config?name=tariff', admin());
    expect(found.data.config_id).toBe(r.data.config_id);
    const missing = await call(api.app, 'PUT', '/api/v1/config', {
      ...admin(),
      body: { name: 'nope', value: '1' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.data).toEqual({ error: { code: 'NOT_FOUND', message: 'nope not found' } });
  });

  it('prices, transactions and log refuse every write, for every role: 405 IMMUTABLE, with an Allow that works', async () => {
    const table = { prices: 'price', transactions: 'transaction', log: 'log' };
    const count = async () =>
      (
        await api.db.sql.query(
          'SELECT (SELECT count(*) FROM price) + (SELECT count(*) FROM transaction) + (SELECT count(*) FROM log) AS n',
        )
      ).rows[0].n;
    const before = await count();
    const tokens = [undefined, ...Object.values(p.tokens)];
    for (const [path, name] of Object.entries(table)) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        for (const token of tokens) {
          const r = await call(api.app, method, `/api/v1/${path}`, {
            ...(token ? { token } : {}),
            body: {
              resource_id: 1,
              interval_start: '2027-01-01T00:00:00Z',
              price: 1,
              quantity: 1,
              type: 'PRICE',
            },
          });
          expect(r.statusCode, `${method} ${path}`).toBe(405);
          expect(r.data.error.code, `${method} ${path}`).toBe('IMMUTABLE');
          expect(r.data.error.message).toMatch(
            new RegExp(`^${name} rows are written by the market runtime only: `),
          );
          // Allow names only methods that are served: a write it offered would be refused too.
          expect(r.headers['allow'], `${method} ${path}`).toBe('GET');
        }
      }
    }
    expect(await count()).toBe(before);
    const del = await call(api.app, 'DELETE', '/api/v1/config', admin());
    expect(del.statusCode).toBe(405);
    expect(del.headers['allow']).toContain('GET');
  });

  it('token rows never carry secret_hash', async () => {
    const list = await call(api.app, 'GET', '/api/v1/tokens', admin());
    expect(list.statusCode).toBe(200);
    expect(list.data.items.length).toBeGreaterThan(0);
    const one = await call(api.app, 'GET', `/api/v1/tokens/${list.data.items[0].token_id}`, admin());
    const created = await call(api.app, 'POST', '/api/v1/tokens', {
      ...admin(),
      body: { user_id: p.customer.user_id },
    });
    expect(created.statusCode).toBe(201);
    expect(created.data.token).toMatch(/^tess_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
    const revoked = await call(api.app, 'PUT', '/api/v1/tokens', {
      ...admin(),
      body: { unique_id: created.data.unique_id, is_valid: false },
    });
    expect(revoked.data.is_valid).toBe(false);
    const byKey = await call(api.app, 'GET', `/api/v1/tokens?unique_id=${created.data.unique_id}`, admin());
    for (const body of [list.body, one.body, created.body, revoked.body, byKey.body]) {
      expect(body).not.toContain('secret_hash');
    }
    const stored = await api.db.token.get(created.data.token_id);
    expect(stored?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(created.body).not.toContain(stored!.secret_hash);
  });

  it('bad input is a 400 naming the field, and Fastify errors take the same shape', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/api/v1/config', { name: 5 }, 400, /^body\.name must be a string$/],
      ['POST', '/api/v1/config', { value: 'x' }, 400, /^body\.name is required$/],
      ['POST', '/api/v1/users', { name: 'a', email: 'a@b', role: 'KING' }, 400, /^body\.role must be one of/],
      ['POST', '/api/v1/config', [], 400, /^body must be a JSON object$/],
      ['PUT', '/api/v1/devices', { name: 'x' }, 400, /^body\.unique_id is required$/],
    ];
    for (const [method, url, body, status, message] of cases) {
      const r = await call(api.app, method as 'POST', url, { ...admin(), body });
      expect(r.statusCode, url).toBe(status);
      expect(r.data.error.code).toBe('INVALID');
      expect(r.data.error.message).toMatch(message);
    }
    const nul = await call(api.app, 'POST', '/api/v1/config', { ...admin(), body: { name: 'a\u0000b' } });
    expect(nul.statusCode).toBe(400);
    expect(nul.data.error.message).toBe('config.name must not contain NUL characters');

    const badJson = await call(api.app, 'POST', '/api/v1/config', {
      ...admin(),
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.data.error.code).toBe('INVALID');
    const text = await call(api.app, 'POST', '/api/v1/config', {
      ...admin(),
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.statusCode).toBe(415);
    expect(text.data.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const big = await call(api.app, 'POST', '/api/v1/config', {
      ...admin(),
      body: { name: 'big', value: 'x'.repeat(300 * 1024) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.data.error.code).toBe('TOO_LARGE');
    const route = await call(api.app, 'GET', '/api/v1/nothing-here');
    expect(route.statusCode).toBe(404);
    expect(route.data).toEqual({
      error: { code: 'NOT_FOUND', message: 'no route GET /api/v1/nothing-here' },
    });
    const query = await call(api.app, 'GET', '/api/v1/config?colour=red', admin());
    expect(query.statusCode).toBe(400);
    expect(query.data.error.message).toBe('query.colour is not allowed');
    const limit = await call(api.app, 'GET', '/api/v1/config?limit=lots', admin());
    expect(limit.data.error.message).toBe('query.limit must be a whole number');
    expect((await call(api.app, 'GET', '/api/v1/config?name=nope', admin())).statusCode).toBe(404);
    expect(await api.db.config.find({ name: 'big' })).toBeNull();
  });
});

describe('as-of reads over HTTP', () => {
  it('every GET answers as of asof=', async () => {
    const added = await call(api.app, 'POST', '/api/v1/config', {
      ...admin(),
      body: { name: 'season', value: 'winter' },
    });
    // After the first version (its created in whole ms, plus 1) and before the second.
    const between = new Date(Date.parse(added.data.created) + 1).toISOString();
    await databaseClockPast(api.db, new Date(between));
    const changed = await call(api.app, 'PUT', '/api/v1/config', {
      ...admin(),
      body: { name: 'season', value: 'spring' },
    });
    expect((await call(api.app, 'GET', '/api/v1/config?name=season', admin())).data.value).toBe('spring');
    const then = await call(api.app, 'GET', `/api/v1/config?name=season&asof=${between}`, admin());
    expect(then.data.value).toBe('winter');
    const byId = await call(
      api.app,
      'GET',
      `/api/v1/config/${changed.data.config_id}?asof=${between}`,
      admin(),
    );
    expect(byId.statusCode).toBe(404);
    const list = await call(api.app, 'GET', `/api/v1/config?asof=${between}&limit=1000`, admin());
    const season = list.data.items.find((c: { name: string }) => c.name === 'season');
    expect(season.value).toBe('winter');
    const early = await call(api.app, 'GET', '/api/v1/config?name=season&asof=2000-01-01T00:00:00Z', admin());
    expect(early.statusCode).toBe(404);
  });

  it('a malformed asof is a 400 naming asof', async () => {
    for (const url of [
      '/api/v1/config?asof=yesterday',
      '/api/v1/config/1?asof=2024-99-99',
      '/api/v1/prices/current?resource=capacity&asof=x',
    ]) {
      const r = await call(api.app, 'GET', url, admin());
      expect(r.statusCode, url).toBe(400);
      expect(r.data.error.message).toMatch(/^asof must be an ISO-8601 time/);
    }
  });
});
