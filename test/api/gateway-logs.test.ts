import { describe, expect, it } from 'vitest';
import { call } from './helpers.js';
import { useGateway } from './gateway-fixture.js';

const t = useGateway();
const api = t.api;
const URL = '/api/v1/gateway/logs';

const hour = (h: number) => new Date(Date.UTC(2026, 0, 1, h)).toISOString();
const post = (body: unknown, token = t.g.tokens.meter) => call(api.app, 'POST', URL, { token, body });
const primaryRow = (h: number, watthours = 12.5) => ({
  pin: '234567',
  period_start: hour(h),
  period_end: hour(h + 1),
  watthours,
  power_peak: 40,
  credit: 99.5,
});
const count = async (table: string) =>
  Number((await api.db.sql.query(`SELECT count(*) AS n FROM gateway.${table}`)).rows[0].n);

describe('meter logs', () => {
  it('adds rows, and a repeat is a duplicate, not a second row', async () => {
    const body = {
      primary: [primaryRow(0), primaryRow(1), { ...primaryRow(0), pin: '765432' }],
      pcu: [
        { period_start: hour(0), period_end: hour(1), solar_wh: 300, battery_wh: -20.25, battery_soc: 0.5 },
      ],
    };
    const first = await post(body);
    expect(first.statusCode).toBe(200);
    expect(first.data).toEqual({ primary: { added: 3, duplicates: 0 }, pcu: { added: 1, duplicates: 0 } });
    const again = await post({ ...body, primary: [...body.primary, primaryRow(2)] });
    expect(again.data).toEqual({ primary: { added: 1, duplicates: 3 }, pcu: { added: 0, duplicates: 1 } });
    expect(await count('primary_log')).toBe(4);
    expect(await count('pcu_log')).toBe(1);
    // The circuit's state shows it heard from it.
    const state = await call(api.app, 'GET', '/api/v1/gateway/circuits/234567', {
      token: t.p.tokens.customer,
    });
    expect(state.data.last_heard).toBe(hour(3));
  });

  it('a row that differs from the stored one is 409 naming pin and period, and nothing is written', async () => {
    const before = await count('primary_log');
    const res = await post({ primary: [primaryRow(10), primaryRow(1, 13)] });
    expect(res.statusCode).toBe(409);
    expect(res.data.error.message).toMatch(/primary\.1 \(pin 234567\)/);
    expect(res.data.error.message).toContain(hour(1));
    expect(res.data.error.message).toMatch(/watthours/);
    expect(await count('primary_log')).toBe(before);
    // The same row twice in one post with other values is a conflict too.
    const twice = await post({ primary: [primaryRow(20), primaryRow(20, 1)] });
    expect(twice.statusCode).toBe(409);
    expect(await count('primary_log')).toBe(before);
  });

  it('checks every number and period where it enters, naming the row and field', async () => {
    const bad: [unknown, number, RegExp][] = [
      [{ primary: [primaryRow(30, -1)] }, 400, /primary\.0\.watthours/],
      [{ primary: [primaryRow(30, 1e7 + 1)] }, 400, /primary\.0\.watthours/],
      [{ primary: [{ ...primaryRow(30), power_peak: -1 }] }, 400, /primary\.0\.power_peak/],
      [{ primary: [{ ...primaryRow(30), credit: 1e10 }] }, 400, /primary\.0\.credit/],
      [
        { primary: [primaryRow(30), { ...primaryRow(31), period_end: hour(31) }] },
        400,
        /primary\.1\.period_end/,
      ],
      [{ primary: [{ ...primaryRow(30), period_end: hour(55) }] }, 400, /one day/],
      [{ primary: [{ ...primaryRow(30), period_start: 'yesterday' }] }, 400, /primary\.0\.period_start/],
      [{ primary: [{ ...primaryRow(30), pin: '999999' }] }, 403, /primary\.0\.pin/],
      [
        { pcu: [{ period_start: hour(0), period_end: hour(1), solar_wh: 1, battery_soc: 1.5 }] },
        400,
        /pcu\.0\.battery_soc/,
      ],
      [{ pcu: [{ period_start: hour(0), period_end: hour(1), solar_wh: -1 }] }, 400, /pcu\.0\.solar_wh/],
      [{ primary: [{ ...primaryRow(30), extra: 1 }] }, 400, /extra/],
    ];
    for (const [body, status, message] of bad) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.data.error.message).toMatch(message);
    }
    const future = new Date(Date.now() + 10 * 60_000);
    const res = await post({
      primary: [
        {
          ...primaryRow(0),
          period_start: future.toISOString(),
          period_end: new Date(future.getTime() + 60_000).toISOString(),
        },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.data.error.message).toMatch(/future/);
  });

  it('refuses more than 10,000 rows', async () => {
    const rows = Array.from({ length: 5001 }, (_, i) => ({
      period_start: new Date(Date.UTC(2025, 0, 1) + i * 3600_000).toISOString(),
      period_end: new Date(Date.UTC(2025, 0, 1) + (i + 1) * 3600_000).toISOString(),
      solar_wh: 1,
    }));
    const res = await post({
      pcu: rows,
      primary: rows.map(({ solar_wh: _, ...r }) => ({ ...r, pin: '234567', watthours: 1 })),
    });
    expect(res.statusCode).toBe(400);
    expect(res.data.error.message).toMatch(/at most 10000 rows/);
    // 10,000 rows are fine.
    const ok = await post({
      pcu: rows.slice(0, 5000),
      primary: rows.slice(0, 5000).map(({ solar_wh: _, ...r }) => ({ ...r, pin: '765432', watthours: 1 })),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.data.primary.added + ok.data.primary.duplicates).toBe(5000);
  });

  it("only a field meter's device token posts logs", async () => {
    for (const token of [
      t.p.tokens.device,
      t.p.tokens.admin,
      t.p.tokens.operator,
      t.p.tokens.customer,
      t.g.tokens.vendor,
    ]) {
      expect((await post({ primary: [primaryRow(40)] }, token)).statusCode).toBe(403);
    }
    expect((await call(api.app, 'POST', URL, { body: {} })).statusCode).toBe(401);
  });
});
