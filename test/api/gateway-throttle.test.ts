import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_FAILURE_WINDOW_MS, TOKEN_FAILURES_MAX } from '../../http/gateway/token-failures.js';
import { useGateway } from './gateway-fixture.js';
import { call } from './helpers.js';

let clock = new Date('2026-01-01T00:00:00Z').getTime();
const t = useGateway({ now: () => new Date(clock) });
const api = t.api;

beforeAll(() => {
  clock = Date.now();
});

const redeem = (number: string, token: string, remoteAddress = '10.0.0.1') =>
  api.app
    .inject({
      method: 'POST',
      url: '/api/v1/gateway/circuits/234567/credit',
      headers: { authorization: `Bearer ${token}` },
      payload: { token: number },
      remoteAddress,
    })
    .then((r) => ({ status: r.statusCode, body: r.json(), headers: r.headers }));

const alerts = async () =>
  (await api.db.alert.list({ where: { system_id: await api.db.systemId(), type: 'TokenFailures' } })).map(
    (a) => a.unique_id,
  );

describe('repeated failed redemptions', () => {
  it('after 5 failures in 10 minutes: 429 for the rest of the window, and one TokenFailures alert', async () => {
    const start = new Date(clock).toISOString();
    for (let i = 0; i < TOKEN_FAILURES_MAX; i++) {
      expect((await redeem(`1234567890${i}`, t.p.tokens.customer)).status).toBe(404);
    }
    const refused = await redeem('12345678909', t.p.tokens.customer);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBe(TOKEN_FAILURE_WINDOW_MS / 1000);
    // Even a good token waits for the window to end.
    const operatorToken = t.p.tokens.operator;
    const issued = await call(api.app, 'POST', '/api/v1/gateway/token-batches', {
      token: operatorToken,
      body: { tokens: [{ denomination: 5, count: 1 }] },
    });
    const good = issued.data.tokens[0].number;
    expect((await redeem(good, t.p.tokens.customer, '10.0.0.2')).status).toBe(429);
    // The alert names who and when, once per window.
    const raised = await alerts();
    expect(raised).toEqual([`TokenFailures:user:${t.p.customer.user_id}:${start}`]);
    const alert = (await api.db.alert.get((await api.db.alert.find({ unique_id: raised[0] }))!))!;
    expect(alert).toMatchObject({ status: 'open', type: 'TokenFailures' });
    expect(alert.message).toMatch(new RegExp(`user ${t.p.customer.user_id}: 5 failed`));
    // The same address is throttled for another user too (counted per address).
    expect((await redeem(good, t.g.tokens.vendor, '10.0.0.1')).status).toBe(429);
    expect(await alerts()).toContain(`TokenFailures:address:10.0.0.1:${start}`);
    expect(await alerts()).toHaveLength(2);
    // Another user from another address is not throttled.
    expect((await redeem(good, t.g.tokens.vendor, '10.0.0.3')).status).toBe(200);
    // After the window, the customer may try again.
    clock += TOKEN_FAILURE_WINDOW_MS;
    expect((await redeem(good, t.p.tokens.customer, '10.0.0.4')).status).toBe(409);
    expect(await alerts()).toHaveLength(2);
  });

  it('four failures stay allowed; the fifth is the last one answered', async () => {
    clock += TOKEN_FAILURE_WINDOW_MS;
    // 234567 is not other's circuit: 404, whatever the token.
    for (let i = 0; i < TOKEN_FAILURES_MAX - 1; i++) {
      expect((await redeem('abc', t.p.tokens.other, '10.1.0.1')).status).toBe(404);
    }
    const issued = await call(api.app, 'POST', '/api/v1/gateway/token-batches', {
      token: t.p.tokens.admin,
      body: { tokens: [{ denomination: 5, count: 1 }] },
    });
    expect((await redeem(issued.data.tokens[0].number, t.p.tokens.other, '10.1.0.1')).status).toBe(404);
    expect((await redeem(issued.data.tokens[0].number, t.p.tokens.other, '10.1.0.1')).status).toBe(429);
  });
});
