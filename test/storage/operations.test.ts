import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../engine/errors.js';
import { DEFAULT_ADMIN_EMAIL, SEED_CONFIG } from '../../storage/seed.js';
import { sleep, useDatabase } from '../helpers/open.js';

const t = useDatabase({ system: 'alpha' });

describe('config, as in the seed', () => {
  it('a new system starts with the seed configuration and a default resource', async () => {
    const { db } = t;
    for (const [name, value] of SEED_CONFIG) {
      const id = await db.config.find({ name });
      expect(id, name).not.toBeNull();
      expect((await db.config.get(id!))?.value).toBe(value);
    }
    expect((await db.config.get((await db.config.find({ name: 'admin-email' }))!))?.value).toBe(
      DEFAULT_ADMIN_EMAIL,
    );
    const systemId = await db.systemId();
    const resource = await db.resource.get(
      (await db.resource.find({ system_id: systemId, name: 'capacity' }))!,
    );
    expect(resource).toMatchObject({ name: 'capacity', quantity_unit: 'MW', price_unit: '$/MWh' });
  });

  it('add_config fails with "{name} exists", set_config with "{name} not found"', async () => {
    const { db } = t;
    await expect(db.config.add({ name: 'interval', value: '60' })).rejects.toMatchObject({
      code: ErrorCode.EXISTS,
      message: 'interval exists',
    });
    await expect(db.config.set({ name: 'no-such-variable', value: '1' })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: 'no-such-variable not found',
    });
    const added = await db.config.add({ name: 'feeder-capacity', value: null });
    expect(added.value).toBeNull();
    expect(await db.config.find({ name: 'feeder-capacity' })).toBe(added.config_id);
  });

  it('set adds a version; find follows the clock; get answers null for rows after the clock', async () => {
    const { db } = t;
    const first = (await db.config.add({ name: 'tariff', value: 'flat' })).config_id;
    await sleep(5);
    const between = new Date();
    await sleep(5);
    const second = await db.config.set({ name: 'tariff', value: 'tou' });
    expect(second.config_id).not.toBe(first);
    expect(await db.config.find({ name: 'tariff' })).toBe(second.config_id);
    expect((await db.config.get(first))?.value).toBe('flat');

    db.setClock(between);
    expect(await db.config.find({ name: 'tariff' })).toBe(first);
    expect(await db.config.get(second.config_id)).toBeNull();
    expect((await db.config.get(first))?.value).toBe('flat');
    await expect(db.config.set({ name: 'tariff', value: 'rtp' })).rejects.toMatchObject({
      code: ErrorCode.CLOCK_SET,
    });
    await expect(db.config.add({ name: 'other', value: 'x' })).rejects.toMatchObject({
      code: ErrorCode.CLOCK_SET,
    });

    db.setClock(new Date(first > 0 ? (await db.config.get(first))!.created.getTime() - 1000 : 0));
    expect(await db.config.find({ name: 'tariff' })).toBeNull();
    expect(await db.config.get(first)).toBeNull();

    db.setClock(null);
    expect(await db.config.find({ name: 'tariff' })).toBe(second.config_id);
  });

  it('handles of different systems keep separate config', async () => {
    const { db } = t;
    const other = db.at(null);
    expect(other.systemName).toBe('alpha');
    const beta = await (await import('../../storage/index.js')).openDatabase(t.test.url, { system: 'beta' });
    try {
      await beta.config.set({ name: 'interval', value: '60' });
      expect((await beta.config.get((await beta.config.find({ name: 'interval' }))!))?.value).toBe('60');
      expect((await db.config.get((await db.config.find({ name: 'interval' }))!))?.value).toBe('300');
    } finally {
      await beta.close();
    }
  });
});

describe('every table', () => {
  it('add, get, find, set, with their messages', async () => {
    const { db } = t;
    const system = await db.system.add({ name: 'gamma' });
    await expect(db.system.add({ name: 'gamma' })).rejects.toThrow('gamma exists');
    const systemId = system.system_id;
    const user = await db.user.add({
      system_id: systemId,
      name: 'Ada',
      role: 'CUSTOMER',
      email: 'ada@example.org',
    });
    await expect(
      db.user.add({ system_id: systemId, name: 'Ada 2', email: 'ada@example.org' }),
    ).rejects.toThrow('ada@example.org exists');
    const pref = await db.preference.add({ user_id: user.user_id, name: 'theme', value: 'dark' });
    const device = await db.device.add({ user_id: user.user_id, name: 'hvac' });
    expect(device.unique_id).toMatch(/^[0-9a-f-]{36}$/);
    const setting = await db.setting.add({ device_id: device.device_id, name: 'setpoint', value: '21' });
    const token = await db.token.add({
      user_id: user.user_id,
      device_id: device.device_id,
      secret_hash: 'h',
    });
    expect(token.is_valid).toBe(true);
    const resourceId = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
    const start = new Date('2026-01-01T00:00:00Z');
    const order = await db.order.add({
      device_id: device.device_id,
      resource_id: resourceId,
      interval_start: start,
      side: 'buy',
      quantity: 5,
      price: 40,
    });
    expect(order).toMatchObject({ status: 'OPEN', cleared_quantity: 0, price_id: null });
    const price = await db.price.add({
      resource_id: resourceId,
      interval_start: start,
      price: 40,
      quantity: 5,
      type: 'BUYER',
    });
    await expect(
      db.price.add({ resource_id: resourceId, interval_start: start, price: 41, quantity: 5, type: 'BUYER' }),
    ).rejects.toThrow('2026-01-01T00:00:00.000Z exists');
    const meter = await db.meter.add({
      device_id: device.device_id,
      resource_id: resourceId,
      interval_start: start,
      quantity: 0.4,
    });
    const tx = await db.transaction.add({
      user_id: user.user_id,
      device_id: device.device_id,
      order_id: order.order_id,
      price_id: price.price_id,
      amount: -16.666667,
    });
    expect(tx.balance).toBe(-16.666667);
    const log = await db.log.add({
      event: 'INSERT',
      table_name: 'meter',
      message: 'manual reading',
      actor: 'ops',
    });

    const cases = [
      [db.system, { name: 'gamma' }, system.system_id],
      [db.user, { system_id: systemId, email: 'ada@example.org' }, user.user_id],
      [db.preference, { user_id: user.user_id, name: 'theme' }, pref.preference_id],
      [db.device, { unique_id: device.unique_id }, device.device_id],
      [db.setting, { device_id: device.device_id, name: 'setpoint' }, setting.setting_id],
      [db.token, { unique_id: token.unique_id }, token.token_id],
      [db.order, { unique_id: order.unique_id }, order.order_id],
      [db.price, { resource_id: resourceId, interval_start: start }, price.price_id],
      [
        db.meter,
        { device_id: device.device_id, resource_id: resourceId, interval_start: start },
        meter.meter_id,
      ],
      [db.transaction, { price_id: price.price_id }, tx.transaction_id],
    ] as const;
    for (const [table, criteria, id] of cases) {
      expect(await (table as typeof db.user).find(criteria as never), table.def.name).toBe(id);
      expect(await (table as typeof db.user).get(id), table.def.name).toMatchObject(criteria);
    }
    expect(await db.log.get(log.log_id)).toMatchObject({ event: 'INSERT', actor: 'ops' });

    // set: a new row per change; unchanged columns carry over.
    const renamed = await db.device.set({ unique_id: device.unique_id, name: 'heat pump' });
    expect(renamed).toMatchObject({ user_id: user.user_id, name: 'heat pump', unique_id: device.unique_id });
    expect(renamed.device_id).toBeGreaterThan(device.device_id);
    const revoked = await db.token.set({ unique_id: token.unique_id, is_valid: false });
    expect(revoked.secret_hash).toBe('h');
    expect(await db.device.set({ unique_id: 'nope', name: 'x' }).catch((e) => e.message)).toBe(
      'nope not found',
    );
    expect(
      await db.setting.set({ device_id: device.device_id, name: 'mode', value: 'x' }).catch((e) => e.message),
    ).toBe('mode not found');

    // References hold entry ids: the device's latest row id finds the setting added under its first.
    expect(await db.setting.find({ device_id: renamed.device_id, name: 'setpoint' })).toBe(
      setting.setting_id,
    );
    const later = await db.setting.add({ device_id: renamed.device_id, name: 'mode', value: 'eco' });
    expect(later.device_id).toBe(device.device_id);

    // Tables whose rows are final.
    await expect(
      db.price.set({ resource_id: resourceId, interval_start: start, price: 1 }),
    ).rejects.toMatchObject({
      code: ErrorCode.IMMUTABLE,
      message: 'price rows cannot be changed: a cleared price is final',
    });
    await expect(db.transaction.set({ amount: 1 })).rejects.toMatchObject({ code: ErrorCode.IMMUTABLE });
    expect('set' in db.log).toBe(false);
  });

  it('find: null when nothing matches, "result is not unique" for several entries', async () => {
    const { db } = t;
    const systemId = await db.systemId();
    await db.user.add({ system_id: systemId, name: 'Sam', email: 'sam1@example.org', role: 'OPERATOR' });
    await db.user.add({ system_id: systemId, name: 'Sam', email: 'sam2@example.org', role: 'OPERATOR' });
    expect(await db.user.find({ system_id: systemId, name: 'Nobody' })).toBeNull();
    await expect(db.user.find({ system_id: systemId, name: 'Sam' })).rejects.toMatchObject({
      code: ErrorCode.NOT_UNIQUE,
      message: 'result is not unique',
    });
    // Criteria match the version in effect: after a rename only one Sam remains.
    const renamed = await db.user.set({ system_id: systemId, email: 'sam2@example.org', name: 'Samantha' });
    expect(await db.user.find({ system_id: systemId, name: 'Samantha' })).toBe(renamed.user_id);
    expect(await db.user.find({ system_id: systemId, name: 'Sam' })).not.toBeNull();
    expect(await db.user.find({ system_id: 999_999, email: 'sam1@example.org' })).toBeNull();
  });

  it('bad fields are named and nothing is stored', async () => {
    const { db } = t;
    const systemId = await db.systemId();
    const before = await db.user.list({ where: { system_id: systemId } });
    await expect(
      db.user.add({ system_id: systemId, name: 'X', email: 'x@example.org', role: 'KING' as never }),
    ).rejects.toThrow(
      'user.role must be one of ADMINISTRATOR, OPERATOR, ACCOUNTING, CUSTOMER, TEST, VENDOR, not "KING"',
    );
    await expect(db.user.add({ system_id: systemId, name: 'X' } as never)).rejects.toThrow(
      'user.email is required',
    );
    await expect(
      db.user.add({ system_id: systemId, name: 'X', email: 'y@example.org', shoe: 1 } as never),
    ).rejects.toThrow('user.shoe is not a column');
    await expect(db.device.add({ user_id: 987_654, name: 'ghost' })).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: 'user 987654 not found (device.user_id)',
    });
    await expect(
      db.meter.add({ device_id: 1, resource_id: 1, interval_start: 'yesterday', quantity: 1 }),
    ).rejects.toThrow('meter.interval_start must be an ISO-8601 time, not "yesterday"');
    expect(await db.user.list({ where: { system_id: systemId } })).toEqual(before);
  });

  it('concurrent adds of one key: exactly one wins', async () => {
    const { db } = t;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => db.config.add({ name: 'race', value: String(i) })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason.message).toBe('race exists');
  });
});

describe('bulk writes', () => {
  it('addMany streams with COPY, setMany adds versions, transactions keep running balances', async () => {
    const { db } = t;
    const systemId = await db.systemId();
    const user = await db.user.add({ system_id: systemId, name: 'Bulk', email: 'bulk@example.org' });
    const device = await db.device.add({ user_id: user.user_id, name: 'ev' });
    const resourceId = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
    const start = new Date('2026-02-01T00:05:00Z');
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      unique_id: `bulk-${i}`,
      device_id: device.device_id,
      resource_id: resourceId,
      interval_start: start,
      side: i % 2 ? ('sell' as const) : ('buy' as const),
      quantity: 1 + (i % 7),
      price: 10 + (i % 13) / 3,
    }));
    expect(await db.order.addMany(rows)).toBe(3000);
    await expect(db.order.addMany([rows[5]!])).rejects.toThrow('bulk-5 exists');
    const id = (await db.order.find({ unique_id: 'bulk-7' }))!;
    expect(await db.order.get(id)).toMatchObject({
      side: 'sell',
      quantity: 1,
      price: 10 + 7 / 3,
      status: 'OPEN',
    });
    const price = await db.price.add({
      resource_id: resourceId,
      interval_start: start,
      price: 12,
      quantity: 3,
      type: 'PRICE',
    });
    const ids = await db.order.reserveIds(2);
    await db.order.setMany(
      [
        { unique_id: 'bulk-1', status: 'CLEARED', cleared_quantity: 1, price_id: price.price_id },
        { unique_id: 'bulk-2', status: 'CLEARED', cleared_quantity: 2, price_id: price.price_id },
      ],
      { ids },
    );
    expect(await db.order.find({ unique_id: 'bulk-2' })).toBe(ids[1]);
    expect(await db.order.get(ids[1]!)).toMatchObject({
      status: 'CLEARED',
      cleared_quantity: 2,
      quantity: 3,
      side: 'buy',
    });
    await expect(db.order.setMany([{ unique_id: 'missing', status: 'CANCELLED' }])).rejects.toThrow(
      'missing not found',
    );

    const amounts = [-0.1, -0.2, 0.3, 1.000001, -2.5];
    await db.transaction.addMany(
      amounts.map((amount) => ({
        user_id: user.user_id,
        device_id: device.device_id,
        order_id: ids[0]!,
        price_id: price.price_id,
        amount,
      })),
    );
    const list = await db.transaction.list({ where: { user_id: user.user_id } });
    expect(list.map((r) => r.balance)).toEqual([-0.1, -0.3, 0, 1.000001, -1.499999]);
  });
});

describe('quantities', () => {
  it('are kept in whole millionths of their unit, and an order quantity must stay above zero', async () => {
    const { db } = t;
    const user = await db.user.add({ system_id: await db.systemId(), name: 'Q', email: 'q@example.org' });
    const device = await db.device.add({ user_id: user.user_id, name: 'q' });
    const resource = (await db.resource.find({ system_id: await db.systemId(), name: 'capacity' }))!;
    const base = {
      device_id: device.device_id,
      resource_id: resource,
      interval_start: '2026-05-01T00:00:00Z',
      side: 'buy' as const,
      price: 1,
    };
    expect((await db.order.add({ ...base, quantity: 0.00494463411020115 })).quantity).toBe(0.004945);
    expect((await db.order.add({ ...base, quantity: 1.0000004 })).quantity).toBe(1);
    await expect(db.order.add({ ...base, quantity: 0.0000004 })).rejects.toThrow(
      'order.quantity must be greater than 0 (at least 0.000001), not 4e-7',
    );
    const meter = await db.meter.add({
      device_id: device.device_id,
      resource_id: resource,
      interval_start: base.interval_start,
      quantity: -0.0000015,
    });
    expect(meter.quantity).toBe(-0.000002);
  });
});
