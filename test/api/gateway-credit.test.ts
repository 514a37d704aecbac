import { describe, expect, it } from 'vitest';
import { TOKEN_VALUE_MAX } from '../../engine/gateway/index.js';
import { call } from './helpers.js';
import { useGateway } from './gateway-fixture.js';

// Throttling has its own file: here failures must not be refused.
const t = useGateway({ tokenFailureLimit: { max: 1_000_000, timeWindowMs: 60_000 } });
const api = t.api;
const G = '/api/v1/gateway';

const issue = async (tokens: unknown, token = t.p.tokens.operator, headers: Record<string, string> = {}) =>
  call(api.app, 'POST', `${G}/token-batches`, { token, body: { tokens }, headers });

describe('token batches', () => {
  it('issues numbers once, as JSON', async () => {
    const res = await issue([
      { denomination: 500, count: 3 },
      { denomination: 1000, count: 1 },
    ]);
    expect(res.statusCode).toBe(201);
    expect(res.data.tokens.map((t: { value: number }) => t.value)).toEqual([500, 500, 500, 1000]);
    for (const x of res.data.tokens) expect(x.number).toMatch(/^[0-9]{11}$/);
    expect(res.data.batch_id).toBeGreaterThan(0);
    expect(typeof res.data.unique_id).toBe('string');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers CSV when asked', async () => {
    const res = await issue([{ denomination: 250.5, count: 2 }], t.p.tokens.admin, { accept: 'text/csv' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('number,value');
    expect(lines.slice(1)).toHaveLength(2);
    for (const l of lines.slice(1)) expect(l).toMatch(/^[0-9]{11},250\.5$/);
  });

  it('refuses other roles and bad batches', async () => {
    for (const who of ['customer', 'accounting', 'device'] as const) {
      expect((await issue([{ denomination: 1, count: 1 }], t.p.tokens[who])).statusCode).toBe(403);
    }
    expect((await issue([{ denomination: 1, count: 1 }], t.g.tokens.vendor)).statusCode).toBe(403);
    const bad: [unknown, RegExp][] = [
      [[], /tokens/],
      [[{ denomination: 0, count: 1 }], /denomination/],
      [[{ denomination: TOKEN_VALUE_MAX + 1, count: 1 }], /denomination/],
      [[{ denomination: 1.0000001, count: 1 }], /decimals/],
      [[{ denomination: 1, count: 0 }], /count/],
      [[{ denomination: 1, count: 1.5 }], /count/],
      [[{ denomination: 1, count: 100_001 }], /at most 100000/],
      [[{ denomination: 1, count: 1, extra: 1 }], /extra/],
    ];
    for (const [tokens, message] of bad) {
      const res = await issue(tokens);
      expect(res.statusCode, JSON.stringify(tokens)).toBe(400);
      expect(res.data.error.message).toMatch(message);
    }
  });
});

describe('redeeming a token', () => {
  const redeem = (pin: string, number: unknown, token: string) =>
    call(api.app, 'POST', `${G}/circuits/${pin}/credit`, { token, body: { token: number } });

  it('tops up once: 200 with the balance, then 409; unknown 404; malformed 400', async () => {
    const [a, b] = (await issue([{ denomination: 500, count: 2 }])).data.tokens;
    const first = await redeem('234567', a.number, t.p.tokens.customer);
    expect(first.statusCode).toBe(200);
    expect(first.data).toEqual({ pin: '234567', value: 500, balance: 500 });
    expect((await redeem('234567', a.number, t.p.tokens.customer)).statusCode).toBe(409);
    // Printed with dashes and spaces, redeemed by a vendor.
    const dashed = `${b.number.slice(0, 4)}-${b.number.slice(4, 8)} ${b.number.slice(8)}`;
    const second = await redeem('234567', dashed, t.g.tokens.vendor);
    expect(second.data).toEqual({ pin: '234567', value: 500, balance: 1000 });
    expect((await redeem('234567', '12345678901', t.p.tokens.customer)).statusCode).toBe(404);
    expect((await redeem('234566', '12345678901', t.p.tokens.operator)).statusCode).toBe(400);
    expect((await redeem('345678', '12345678901', t.p.tokens.operator)).statusCode).toBe(404);
    expect((await redeem('234567', 'abc', t.p.tokens.customer)).statusCode).toBe(400);
    expect((await redeem('234567', '123', t.p.tokens.customer)).statusCode).toBe(400);
  });

  it("refuses another's circuit as not found, and roles without the right", async () => {
    const [card] = (await issue([{ denomination: 10, count: 1 }])).data.tokens;
    expect((await redeem('765432', card.number, t.p.tokens.customer)).statusCode).toBe(404);
    expect((await redeem('765432', card.number, t.p.tokens.accounting)).statusCode).toBe(403);
    expect((await redeem('765432', card.number, t.p.tokens.device)).statusCode).toBe(403);
    expect((await redeem('765432', card.number, t.g.tokens.meter)).statusCode).toBe(403);
    expect((await redeem('765432', card.number, t.p.tokens.admin)).data).toMatchObject({ value: 10 });
  });

  it('50 concurrent redemptions of one token over HTTP: one 200, the rest 409', async () => {
    const [card] = (await issue([{ denomination: 7, count: 1 }])).data.tokens;
    // A real socket (closed with the server after the file).
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${address}${G}/circuits/765432/credit`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${i % 2 ? t.g.tokens.vendor : t.p.tokens.operator}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ token: card.number }),
          }).then(async (r) => ({
            status: r.status,
            body: (await r.json()) as { error: { message: string } },
          })),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);
      expect(answers.find((a) => a.status === 409)!.body.error.message).toMatch(/already used/);
    }
  });
});
