import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../engine/errors.js';
import { GATEWAY_ORDER } from '../../storage/index.js';
import { waitFor } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

/** A meter, a customer and a circuit behind it, through the generic table operations. */
async function village(name: string) {
  const system_id = await t.db.systemId();
  const operator = await t.db.user.add({
    system_id,
    name: 'op',
    email: `op-${name}@village`,
    role: 'OPERATOR',
  });
  const customer = await t.db.user.add({ system_id, name: 'Awa', email: `awa-${name}@village` });
  const meterDevice = await t.db.device.add({ user_id: operator.user_id, name: `meter ${name}` });
  const circuitDevice = await t.db.device.add({ user_id: customer.user_id, name: `circuit ${name}` });
  const meter = await t.db.field_meter.add({
    system_id,
    device_id: meterDevice.device_id,
    name,
    time_zone: 'Africa/Bamako',
  });
  const account = await t.db.account.add({ user_id: customer.user_id, phone: '+22370000000', lang: 'fr' });
  const circuit = await t.db.circuit.add({
    system_id,
    device_id: circuitDevice.device_id,
    field_meter_id: meter.field_meter_id,
    pin: name === 'a' ? '234567' : '765432',
    power_max: 500,
  });
  return { system_id, customer, circuitDevice, meter, account, circuit };
}

describe('the gateway tables', () => {
  it('refuse UPDATE, DELETE and TRUNCATE like every TESS table', async () => {
    await village('a');
    for (const table of GATEWAY_ORDER) {
      for (const sql of [
        `UPDATE gateway.${table} SET created = created`,
        `DELETE FROM gateway.${table}`,
        `TRUNCATE gateway.${table} CASCADE`,
      ]) {
        const err = await t.db.sql.query(sql).catch((e) => e);
        expect(err.code, sql).toBe('TS001');
        expect(err.message, sql).toMatch(
          new RegExp(`^table "${table}" is immutable: (UPDATE|DELETE|TRUNCATE) refused$`),
        );
      }
    }
    const { rows } = await t.db.sql.query('SELECT count(*)::int AS n FROM gateway.circuit');
    expect(rows[0].n).toBe(1);
  });

  it('keep versions: a circuit changed is a new row, and the old one reads back as of its time', async () => {
    const { system_id, circuit } = await village('b');
    // A clock after the first version (its created has microseconds; a Date holds ms), and
    // the second version written after it: wait for the database's clock to pass it.
    const clock = new Date(circuit.created.getTime() + 1);
    await waitFor('the database clock to pass the first version', async () => {
      const { rows } = await t.db.sql.query('SELECT clock_timestamp() > $1 AS past', [clock]);
      return rows[0].past || undefined;
    });
    const changed = await t.db.circuit.set({ system_id, pin: '765432', power_max: 800 });
    expect(changed.circuit_id).not.toBe(circuit.circuit_id);
    const id = await t.db.circuit.find({ system_id, pin: '765432' });
    expect((await t.db.circuit.get(id!))?.power_max).toBe(800);
    const before = t.db.at(clock);
    expect(
      (await before.circuit.get((await before.circuit.find({ system_id, pin: '765432' })) as number))
        ?.power_max,
    ).toBe(500);
  });

  it('hold their keys, references and limits', async () => {
    const system_id = await t.db.systemId();
    const meter = (await t.db.field_meter.find({ system_id, name: 'a' }))!;
    const circuit = (await t.db.circuit.get((await t.db.circuit.find({ system_id, pin: '234567' }))!))!;
    await expect(
      t.db.circuit.add({ system_id, device_id: circuit.device_id, field_meter_id: meter, pin: '234567' }),
    ).rejects.toMatchObject({ code: ErrorCode.EXISTS, message: '234567 exists' });
    await expect(
      t.db.circuit.add({ system_id, device_id: circuit.device_id, field_meter_id: 999_999, pin: '345678' }),
    ).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(
      t.db.circuit.add({ system_id, device_id: circuit.device_id, field_meter_id: meter, pin: '11111a' }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID });
    await expect(
      t.db.circuit.add({
        system_id,
        device_id: circuit.device_id,
        field_meter_id: meter,
        pin: '345678',
        power_max: 0,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID });
    const batch = await t.db.token_batch.add({ system_id });
    await expect(t.db.token_batch.set({ token_batch_id: batch.token_batch_id })).rejects.toMatchObject({
      code: ErrorCode.IMMUTABLE,
    });
  });

  it('book a top-up in the one ledger, and a token is redeemed once', async () => {
    const system_id = await t.db.systemId();
    const circuit = (await t.db.circuit.get((await t.db.circuit.find({ system_id, pin: '234567' }))!))!;
    const device = (await t.db.device.get(circuit.device_id))!;
    const batch = await t.db.token_batch.add({ system_id });
    const token = await t.db.credit_token.add({
      token_batch_id: batch.token_batch_id,
      number_hash: 'h1',
      value: 500,
    });
    const redemption = await t.db.redemption.add({
      credit_token_id: token.credit_token_id,
      circuit_id: circuit.circuit_id,
    });
    const topUp = await t.db.transaction.add({
      user_id: device.user_id,
      device_id: device.device_id,
      redemption_id: redemption.redemption_id,
      amount: 500,
    });
    expect(topUp).toMatchObject({ price_id: null, amount: 500, balance: 500 });
    await expect(
      t.db.redemption.add({ credit_token_id: token.credit_token_id, circuit_id: circuit.circuit_id }),
    ).rejects.toMatchObject({ code: ErrorCode.EXISTS });
    // Exactly one source; a fill or a reading names its price.
    await expect(
      t.db.transaction.add({ user_id: device.user_id, device_id: device.device_id, amount: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID });
    await expect(
      t.db.transaction.add({ user_id: device.user_id, device_id: device.device_id, order_id: 1, amount: 1 }),
    ).rejects.toMatchObject({ code: ErrorCode.INVALID });
  });
});
