import { describe, expect, it } from 'vitest';
import { isPin, PIN_SPACE } from '../../engine/gateway/index.js';
import { issueToken } from '../../storage/tokens.js';
import { call, databaseClockPast } from './helpers.js';
import { useGateway } from './gateway-fixture.js';

const t = useGateway();
const api = t.api;
const G = '/api/v1/gateway';

describe('field meters', () => {
  it('operators and administrators write, accounting reads, others may not', async () => {
    const device = await api.db.device.add({ user_id: t.p.operator.user_id, name: 'm2' });
    const body = {
      name: 'Kati',
      device_id: device.device_id,
      time_zone: 'Africa/Bamako',
      battery_capacity: 5000,
    };
    const added = await call(api.app, 'POST', `${G}/meters`, { token: t.p.tokens.operator, body });
    expect(added.statusCode).toBe(201);
    expect(added.data).toMatchObject({ ...body, status: 'active', system_id: await api.db.systemId() });
    for (const who of ['accounting', 'customer', 'device'] as const) {
      expect((await call(api.app, 'POST', `${G}/meters`, { token: t.p.tokens[who], body })).statusCode).toBe(
        403,
      );
    }
    expect((await call(api.app, 'POST', `${G}/meters`, { token: t.g.tokens.vendor, body })).statusCode).toBe(
      403,
    );
    const id = added.data.field_meter_id;
    expect(
      (await call(api.app, 'GET', `${G}/meters/${id}`, { token: t.p.tokens.accounting })).data.name,
    ).toBe('Kati');
    expect((await call(api.app, 'GET', `${G}/meters/${id}`, { token: t.p.tokens.customer })).statusCode).toBe(
      403,
    );
    const list = await call(api.app, 'GET', `${G}/meters?limit=1`, { token: t.p.tokens.accounting });
    expect(list.data.items).toHaveLength(1);
    expect(list.data.next).toBe(list.data.items[0].field_meter_id);
    const next = await call(api.app, 'GET', `${G}/meters?limit=1&after=${list.data.next}`, {
      token: t.p.tokens.admin,
    });
    expect(next.data.items[0].name).toBe('Kati');
    // As of before a change, the row read is the old one.
    const changedAt = new Date();
    await databaseClockPast(api.db, changedAt);
    const put = await call(api.app, 'PUT', `${G}/meters`, {
      token: t.p.tokens.admin,
      body: { name: 'Kati', status: 'inactive' },
    });
    expect(put.data.status).toBe('inactive');
    const found = await call(api.app, 'GET', `${G}/meters?name=Kati`, { token: t.p.tokens.operator });
    expect(found.data.status).toBe('inactive');
    const old = await call(api.app, 'GET', `${G}/meters?name=Kati&asof=${changedAt.toISOString()}`, {
      token: t.p.tokens.operator,
    });
    expect(old.data.status).toBe('active');
    const byId = await call(
      api.app,
      'GET',
      `${G}/meters/${id}?asof=${new Date(Date.now() - 3600_000).toISOString()}`,
      {
        token: t.p.tokens.operator,
      },
    );
    expect(byId.statusCode).toBe(404);
  });

  it('checks the time zone and the bounds', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ time_zone: 'Mars/Olympus' }, /time_zone/],
      [{ battery_capacity: -1 }, /battery_capacity/],
      [{ panel_capacity: 1e12 }, /panel_capacity/],
      [{ status: 'broken' }, /status/],
      [{ name: '' }, /name/],
    ];
    for (const [extra, message] of bad) {
      const res = await call(api.app, 'POST', `${G}/meters`, {
        token: t.p.tokens.admin,
        body: { name: 'x', device_id: t.p.device.device_id, ...extra },
      });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.data.error.message).toMatch(message);
    }
  });
});

describe('accounts', () => {
  it('a customer reads their own account only', async () => {
    // The key (user_id) is the caller's: the one account.
    const mine = await call(api.app, 'GET', `${G}/accounts`, { token: t.p.tokens.customer });
    expect(mine.data.user_id).toBe(t.p.customer.user_id);
    const theirs = await call(api.app, 'GET', `${G}/accounts?user_id=${t.p.other.user_id}`, {
      token: t.p.tokens.customer,
    });
    expect(theirs.statusCode).toBe(404);
    const id = mine.data.account_id;
    expect(
      (await call(api.app, 'GET', `${G}/accounts/${id}`, { token: t.p.tokens.customer })).statusCode,
    ).toBe(200);
    expect((await call(api.app, 'GET', `${G}/accounts/${id}`, { token: t.p.tokens.other })).statusCode).toBe(
      404,
    );
    expect(
      (await call(api.app, 'GET', `${G}/accounts`, { token: t.p.tokens.accounting })).data.items,
    ).toHaveLength(2);
    const write = { user_id: t.p.admin.user_id, lang: 'fr' };
    expect(
      (await call(api.app, 'POST', `${G}/accounts`, { token: t.p.tokens.customer, body: write })).statusCode,
    ).toBe(403);
    expect(
      (await call(api.app, 'POST', `${G}/accounts`, { token: t.p.tokens.operator, body: write })).statusCode,
    ).toBe(201);
    const again = await call(api.app, 'POST', `${G}/accounts`, { token: t.p.tokens.operator, body: write });
    expect(again.statusCode).toBe(409);
  });
});

describe('circuits', () => {
  it('POST draws a PIN; the device must be an account holder’s', async () => {
    const device = await api.db.device.add({ user_id: t.p.customer.user_id, name: 'lamp' });
    const body = { device_id: device.device_id, field_meter_id: t.g.meter.field_meter_id, energy_max: 2000 };
    const res = await call(api.app, 'POST', `${G}/circuits`, { token: t.p.tokens.operator, body });
    expect(res.statusCode, res.body).toBe(201);
    expect(isPin(res.data.pin)).toBe(true);
    expect(
      (
        await call(api.app, 'POST', `${G}/circuits`, {
          token: t.p.tokens.operator,
          body: { ...body, pin: '234567' },
        })
      ).statusCode,
    ).toBe(400);
    const noAccount = await api.db.device.add({ user_id: t.p.accounting.user_id, name: 'x' });
    const refused = await call(api.app, 'POST', `${G}/circuits`, {
      token: t.p.tokens.admin,
      body: { ...body, device_id: noAccount.device_id },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.data.error.message).toMatch(/has no account/);
    for (const [extra, message] of [
      [{ energy_max: 0 }, /energy_max/],
      [{ power_max: 2e9 }, /power_max/],
      [{ ip_address: 'not-an-ip' }, /ip_address/],
    ] as const) {
      const bad = await call(api.app, 'POST', `${G}/circuits`, {
        token: t.p.tokens.admin,
        body: { ...body, ...extra },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.data.error.message).toMatch(message);
    }
    // A customer lists the circuits of their device; not another's.
    const mine = await call(api.app, 'GET', `${G}/circuits?device_id=${device.device_id}`, {
      token: t.p.tokens.customer,
    });
    expect(mine.data.items.map((c: { pin: string }) => c.pin)).toEqual([res.data.pin]);
    expect((await call(api.app, 'GET', `${G}/circuits`, { token: t.p.tokens.customer })).statusCode).toBe(
      403,
    );
    expect(
      (await call(api.app, 'GET', `${G}/circuits?device_id=${device.device_id}`, { token: t.p.tokens.other }))
        .statusCode,
    ).toBe(404);
    expect(
      (await call(api.app, 'POST', `${G}/circuits`, { token: t.p.tokens.accounting, body })).statusCode,
    ).toBe(403);
    const changed = await call(api.app, 'PUT', `${G}/circuits`, {
      token: t.p.tokens.operator,
      body: { pin: res.data.pin, power_max: 100 },
    });
    expect(changed.data).toMatchObject({ pin: res.data.pin, power_max: 100, energy_max: 2000 });
  });

  it("a circuit's state by PIN: owner, operators, vendors; not others", async () => {
    const state = await call(api.app, 'GET', `${G}/circuits/234567`, { token: t.p.tokens.customer });
    expect(state.statusCode).toBe(200);
    expect(state.data).toMatchObject({
      pin: '234567',
      user_id: t.p.customer.user_id,
      field_meter_id: t.g.meter.field_meter_id,
      power_max: 500,
      energy_max: null,
      balance: 0,
      last_heard: null,
      status: 'on',
    });
    for (const token of [t.p.tokens.operator, t.p.tokens.admin, t.p.tokens.accounting, t.g.tokens.vendor]) {
      expect((await call(api.app, 'GET', `${G}/circuits/234567`, { token })).statusCode).toBe(200);
    }
    expect((await call(api.app, 'GET', `${G}/circuits/234567`, { token: t.p.tokens.other })).statusCode).toBe(
      404,
    );
    expect(
      (await call(api.app, 'GET', `${G}/circuits/234567`, { token: t.p.tokens.device })).statusCode,
    ).toBe(403);
    expect((await call(api.app, 'GET', `${G}/circuits/222222`, { token: t.p.tokens.admin })).statusCode).toBe(
      400,
    );
    // Switched off by a job, then a failed TurnOn does not count.
    const before = new Date();
    await databaseClockPast(api.db, before);
    await api.db.job.add({ circuit_id: t.g.circuit.circuit_id, type: 'TurnOff', state: 'acknowledged' });
    await api.db.job.add({ circuit_id: t.g.circuit.circuit_id, type: 'TurnOn', state: 'failed' });
    expect(
      (await call(api.app, 'GET', `${G}/circuits/234567`, { token: t.p.tokens.admin })).data.status,
    ).toBe('off');
    const then = await call(api.app, 'GET', `${G}/circuits/234567?asof=${before.toISOString()}`, {
      token: t.p.tokens.admin,
    });
    expect(then.data.status).toBe('on');
  });

  it('a system whose PINs are all taken answers a clear 409', async () => {
    const full = await api.db.system.add({ name: `full-${Date.now()}` });
    const admin = await api.db.user.add({
      system_id: full.system_id,
      name: 'a',
      role: 'ADMINISTRATOR',
      email: 'a@full',
    });
    const customer = await api.db.user.add({ system_id: full.system_id, name: 'c', email: 'c@full' });
    await api.db.account.add({ user_id: customer.user_id });
    const device = await api.db.device.add({ user_id: customer.user_id, name: 'd' });
    const meter = await api.db.field_meter.add({
      system_id: full.system_id,
      device_id: device.device_id,
      name: 'm',
    });
    const pins: string[] = [];
    const grow = (s: string) => {
      if (s.length === 6) pins.push(s);
      else for (const c of '23456789') if (!s.includes(c)) grow(s + c);
    };
    grow('');
    expect(pins).toHaveLength(PIN_SPACE);
    const fields = {
      system_id: full.system_id,
      device_id: device.device_id,
      field_meter_id: meter.field_meter_id,
    };
    await api.db.circuit.addMany(pins.slice(1).map((pin) => ({ ...fields, pin })));
    const token = (await issueToken(api.db, { userId: admin.user_id })).token;
    const body = { device_id: device.device_id, field_meter_id: meter.field_meter_id };
    const last = await call(api.app, 'POST', `${G}/circuits`, { token, body });
    expect(last.statusCode).toBe(201);
    expect(last.data.pin).toBe(pins[0]);
    const refused = await call(api.app, 'POST', `${G}/circuits`, { token, body });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.message).toMatch(/all 20160 PINs in use/);
  }, 60_000);
});
