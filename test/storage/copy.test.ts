import { describe, expect, it } from 'vitest';
import { copyRows } from '../../storage/copy.js';
import { TABLES } from '../../storage/tables.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

/** Writes rows with binary COPY and reads them back as the database stored them. */
async function roundTrip(
  table: 'order' | 'transaction' | 'token',
  rows: Record<string, unknown>[],
  ids?: number[],
) {
  const client = await t.db.sql.connect();
  try {
    await client.query('BEGIN');
    await copyRows(client, TABLES[table], rows, ids);
    const { rows: back } = await client.query(
      `SELECT * FROM "${table}" WHERE created >= (SELECT min(created) FROM "${table}" WHERE xmin::text = (txid_current() % 4294967296)::text)
       ORDER BY ${TABLES[table].id}`,
    );
    await client.query('COMMIT');
    return back;
  } finally {
    client.release();
  }
}

describe('binary COPY', () => {
  it('stores every kind of value exactly: text, times, doubles, integers, booleans, nulls, money', async () => {
    const { db } = t;
    const user = await db.user.add({
      system_id: await db.systemId(),
      name: 'copy',
      email: 'copy@example.org',
    });
    const device = await db.device.add({ user_id: user.user_id, name: 'copy' });
    const resource = (await db.resource.find({ system_id: await db.systemId(), name: 'capacity' }))!;
    const times = [
      new Date('2026-11-23T14:05:00.123Z'),
      new Date('1999-12-31T23:59:59.999Z'),
      new Date('2100-01-01T00:00:00Z'),
    ];
    const texts = ['plain', 'tab\there', 'line\nbreak', 'back\\slash', 'ünïcødé ⚡ 電力', ''];
    const orders = texts.map((unique_id, i) => ({
      unique_id: `${unique_id}-${i}`,
      device_id: device.device_id,
      resource_id: resource,
      interval_start: times[i % times.length],
      side: i % 2 ? 'sell' : 'buy',
      quantity: [0.000001, 1.5, 1e9, 123.456789, 2 ** 40, 7][i],
      price: [-9999, 0, -0.25, 1e-300, 9999.9999, 42.5][i],
      status: 'OPEN',
      cleared_quantity: 0,
      price_id: i % 2 ? null : 2 ** 40 + i,
    }));
    const ids = [2 ** 33 + 5, 7, 2 ** 52 - 1, 123_456_789_012, 1, 4_294_967_296];
    const back = await roundTrip('order', orders, ids);
    expect(back).toEqual(
      orders
        .map((o, i) => ({ ...o, order_id: ids[i], created: expect.any(Date) }))
        .sort((a, b) => (a.order_id as number) - (b.order_id as number)),
    );

    const amounts = [
      0,
      -0.000001,
      0.000001,
      123_456_789.123456,
      -1.5,
      0.1 + 0.2,
      -999_999_999.999999,
      10_000,
      0.0001,
      100.01,
    ];
    const money = amounts.map((amount, i) => ({
      user_id: user.user_id,
      device_id: device.device_id,
      order_id: i,
      meter_id: null,
      price_id: 1,
      amount,
      balance: -amount,
    }));
    const { rows: text } = await (async () => {
      await roundTrip('transaction', money);
      return db.sql.query(
        'SELECT amount::text AS a, balance::text AS b FROM transaction ORDER BY transaction_id',
      );
    })();
    expect(text.map((r) => r.a)).toEqual([
      '0.000000',
      '-0.000001',
      '0.000001',
      '123456789.123456',
      '-1.500000',
      '0.300000',
      '-999999999.999999',
      '10000.000000',
      '0.000100',
      '100.010000',
    ]);
    expect(text.map((r) => r.b)).toEqual(
      text.map((r) => (r.a === '0.000000' ? '0.000000' : r.a.startsWith('-') ? r.a.slice(1) : `-${r.a}`)),
    );

    const tokens = [true, false].map((is_valid, i) => ({
      user_id: user.user_id,
      device_id: i ? null : device.device_id,
      unique_id: `token-${i}`,
      secret_hash: 'h',
      is_valid,
    }));
    const tokenRows = await roundTrip('token', tokens);
    expect(tokenRows.map((r) => [r.is_valid, r.device_id])).toEqual([
      [true, device.device_id],
      [false, null],
    ]);
  });
});
