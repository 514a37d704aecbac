import { beforeAll, describe, expect, it } from 'vitest';
import { call, type People, seedPeople, useApi } from './helpers.js';

const METRICS_TOKEN = 'metrics-0123456789abcdef';
const api = useApi({ env: { METRICS_TOKEN } });
let p: People;
beforeAll(async () => {
  p = await seedPeople(api.db);
});

describe('what answers disclose', () => {
  it('text values are at most 4096 characters (400 naming the field); nothing is stored', async () => {
    const before = await api.db.sql.query('SELECT count(*)::int AS n FROM setting');
    const long = await call(api.app, 'POST', '/api/v1/settings', {
      token: p.tokens.customer,
      body: { device_id: p.device.device_id, name: 'note', value: 'x'.repeat(4097) },
    });
    expect(long.statusCode).toBe(400);
    expect(long.data.error).toEqual({
      code: 'INVALID',
      message: 'body.value must be at most 4096 characters',
    });
    const pref = await call(api.app, 'POST', '/api/v1/preferences', {
      token: p.tokens.customer,
      body: { user_id: p.customer.user_id, name: 'x'.repeat(5000), value: 'v' },
    });
    expect(pref.statusCode).toBe(400);
    expect(pref.data.error.message).toBe('body.name must be at most 4096 characters');
    expect((await api.db.sql.query('SELECT count(*)::int AS n FROM setting')).rows[0].n).toBe(
      before.rows[0].n,
    );
    const fits = await call(api.app, 'POST', '/api/v1/settings', {
      token: p.tokens.customer,
      body: { device_id: p.device.device_id, name: 'note', value: 'x'.repeat(4096) },
    });
    expect(fits.statusCode).toBe(201);
  });

  it("a row the database refuses is answered by the rule's name, without PostgreSQL's message or the row", async () => {
    const r = await call(api.app, 'POST', '/api/v1/preferences', {
      token: p.tokens.customer,
      body: { user_id: p.customer.user_id, name: '', value: 'private value' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.data.error).toEqual({
      code: 'INVALID',
      message: 'a value breaks a rule of the table (preference_name_check)',
    });
    expect(r.body).not.toMatch(/Failing row|private value|violates|relation/);
  });

  it('/metrics needs Authorization: Bearer <METRICS_TOKEN> when it is set', async () => {
    const none = await call(api.app, 'GET', '/metrics');
    expect(none.statusCode).toBe(401);
    expect(none.data.error).toEqual({
      code: 'UNAUTHORIZED',
      message: '/metrics needs Authorization: Bearer <METRICS_TOKEN>',
    });
    // An API token is not the metrics token.
    expect((await call(api.app, 'GET', '/metrics', { token: p.tokens.admin })).statusCode).toBe(401);
    expect((await call(api.app, 'GET', '/metrics', { token: `${METRICS_TOKEN}x` })).statusCode).toBe(401);
    const ok = await call(api.app, 'GET', '/metrics', { token: METRICS_TOKEN });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('tess_http_request_duration_seconds');
  });
});
