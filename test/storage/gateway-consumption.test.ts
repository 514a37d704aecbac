import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chargePendingConsumption } from '../../storage/index.js';
import { issueTokenBatch, redeemToken } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const KEY = 'k'.repeat(32);
const MIN = 60_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');

let pins = 0;
/** A fresh system (its own market and config) with one circuit. */
async function village(mechanism = 'AUCTION') {
  const name = `v${++pins}`;
  const sys = await t.db.system.add({ name });
  const system_id = sys.system_id;
  await t.db.config.set({ system_id, name: 'mechanism', value: mechanism });
  const resource_id = (await t.db.resource.find({ system_id, name: 'capacity' }))!;
  const operator = await t.db.user.add({ system_id, name: 'op', email: 'op@v', role: 'OPERATOR' });
  const customer = await t.db.user.add({ system_id, name: 'Awa', email: 'awa@v' });
  const meterDevice = await t.db.device.add({ user_id: operator.user_id, name: 'meter' });
  const circuitDevice = await t.db.device.add({ user_id: customer.user_id, name: 'circuit' });
  const meter = await t.db.field_meter.add({ system_id, device_id: meterDevice.device_id, name: 'm' });
  const circuit = await t.db.circuit.add({
    system_id,
    device_id: circuitDevice.device_id,
    field_meter_id: meter.field_meter_id,
    pin: '234567',
  });
  return { system_id, resource_id, customer, circuit };
}

const price = (resource_id: number, start: number, value: number, type: 'PRICE' | 'FAILURE' = 'PRICE') =>
  t.db.price.add({
    resource_id,
    interval_start: new Date(start),
    interval_seconds: 300,
    price: value,
    quantity: 1,
    type,
  });
const log = (circuit_id: number, start: number, minutes: number, watthours: number) =>
  t.db.primary_log.add({
    circuit_id,
    period_start: new Date(start),
    period_end: new Date(start + minutes * MIN),
    watthours,
  });
const debits = async (user: number) =>
  (
    await t.db.sql.query(
      'SELECT amount, price_id, primary_log_id FROM transaction WHERE user_id = $1 AND primary_log_id IS NOT NULL ORDER BY transaction_id',
      [user],
    )
  ).rows as { amount: number; price_id: number | null }[];

describe('consumption charges', () => {
  it('are the market price of each interval the period covers, pro rata, once', async () => {
    const v = await village();
    const prices = [];
    for (let k = 0; k < 12; k++) prices.push(await price(v.resource_id, T0 + k * 5 * MIN, k < 6 ? 40 : 80));
    await log(v.circuit.circuit_id, T0, 60, 1000);
    const first = await chargePendingConsumption(t.db, v.system_id, new Date(T0 + 61 * MIN));
    expect(first).toEqual({ charged: 1, waiting: 0, rows: 12 });
    // 1 kWh over an hour: half at $40/MWh (2 cents), half at $80/MWh (4 cents).
    const rows = await debits(v.customer.user_id);
    expect(rows.map((r) => r.price_id)).toEqual(prices.map((p) => p.price_id));
    expect(rows.reduce((a, r) => a + Math.round(r.amount * 1e6), 0)).toBe(-60_000);
    expect(await chargePendingConsumption(t.db, v.system_id, new Date(T0 + 120 * MIN))).toEqual({
      charged: 0,
      waiting: 0,
      rows: 0,
    });
  });

  it('wait while an interval of the period is not cleared, and a FAILURE interval is free without a tariff', async () => {
    const v = await village();
    await price(v.resource_id, T0, 100);
    await log(v.circuit.circuit_id, T0, 10, 600);
    expect(await chargePendingConsumption(t.db, v.system_id, new Date(T0 + 11 * MIN))).toEqual({
      charged: 0,
      waiting: 1,
      rows: 0,
    });
    await price(v.resource_id, T0 + 5 * MIN, 1e6, 'FAILURE');
    expect(await chargePendingConsumption(t.db, v.system_id, new Date(T0 + 11 * MIN))).toMatchObject({
      charged: 1,
    });
    // 300 Wh at $100/MWh = 3 cents; the FAILURE half costs nothing.
    expect((await debits(v.customer.user_id)).map((r) => r.amount)).toEqual([-0.03, 0]);
  });

  it('are the day/night tariff in the system time zone where there is no market', async () => {
    const v = await village('NONE');
    for (const [name, value] of [
      ['day-tariff', '200'],
      ['night-tariff', '100'],
      ['time-zone', 'Africa/Kampala'],
    ]) {
      await t.db.config.add({ system_id: v.system_id, name, value });
    }
    // 14:30–15:30 UTC is 17:30–18:30 in Kampala: half at day, half at night.
    const start = Date.parse('2030-01-01T14:30:00Z');
    await log(v.circuit.circuit_id, start, 60, 1000);
    expect(await chargePendingConsumption(t.db, v.system_id, new Date(start + 60 * MIN))).toMatchObject({
      charged: 1,
      rows: 2,
    });
    expect((await debits(v.customer.user_id)).map((r) => [r.amount, r.price_id])).toEqual([
      [-0.1, null],
      [-0.05, null],
    ]);
  });

  it('keep the one ledger whole: at any clock, balance = top-ups − debits, and each log costs its exact price', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -50, max: 500 }), { minLength: 6, maxLength: 6 }),
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 20 }),
            minutes: fc.integer({ min: 1, max: 9 }),
            wh: fc.integer({ min: 0, max: 5_000_000 }).map((x) => x / 1000),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 3 }),
        async (levels, periods, topUps) => {
          const v = await village();
          for (let k = 0; k < 6; k++) await price(v.resource_id, T0 + k * 5 * MIN, levels[k]!);
          const expected = new Map<number, bigint>();
          let previous = -1;
          for (const p of periods) {
            // Periods of one circuit do not overlap: each starts after the one before.
            const start = Math.max(T0 + p.at * MIN, previous);
            if (start + p.minutes * MIN > T0 + 30 * MIN) continue;
            previous = start + p.minutes * MIN;
            const row = await log(v.circuit.circuit_id, start, p.minutes, p.wh);
            // The exact cost, computed apart: E·o_i·P_i / (D·W), rounded once, in micro-units.
            let n = 0n;
            for (let k = 0; k < 6; k++) {
              const o = Math.min(previous, T0 + (k + 1) * 5 * MIN) - Math.max(start, T0 + k * 5 * MIN);
              if (o > 0) n += BigInt(Math.round(p.wh * 1000)) * BigInt(o) * BigInt(levels[k]! * 1e6);
            }
            const d = 1000n * BigInt(p.minutes * MIN) * 1_000_000n;
            const neg = n < 0n;
            const q = ((neg ? -n : n) * 2n + d) / (2n * d);
            expected.set(row.primary_log_id, neg ? -q : q);
          }
          // Top-ups before, between and after the charging passes.
          const tokens =
            topUps.length === 0
              ? []
              : (
                  await issueTokenBatch(
                    t.db,
                    v.system_id,
                    topUps.map((d) => ({ denomination: d, count: 1 })),
                    KEY,
                  )
                ).tokens;
          for (const [i, tk] of tokens.entries()) {
            await redeemToken(t.db, v.system_id, '234567', tk.number, KEY);
            if (i === 0) await chargePendingConsumption(t.db, v.system_id, new Date(T0 + 12 * MIN));
          }
          await chargePendingConsumption(t.db, v.system_id, new Date(T0 + 31 * MIN));
          const { rows } = await t.db.sql.query(
            `SELECT transaction_id, amount::text, balance::text, created, primary_log_id, redemption_id FROM transaction
             WHERE user_id = $1 ORDER BY created, transaction_id`,
            [v.customer.user_id],
          );
          const micro = (s: string) => BigInt(Math.round(Number(s) * 1e6));
          const byLog = new Map<number, bigint>();
          for (const r of rows)
            if (r.primary_log_id !== null)
              byLog.set(r.primary_log_id, (byLog.get(r.primary_log_id) ?? 0n) - micro(r.amount));
          expect(byLog).toEqual(expected);
          // At clocks just after each write (whole milliseconds, as clients give them): the
          // ledger's balance is what was topped up less what was charged by then.
          const { rows: clocks } = await t.db.sql.query(
            `SELECT c.clock, (SELECT coalesce(sum(amount), 0)::text FROM transaction
                              WHERE user_id = $1 AND created <= c.clock) AS expected
             FROM (SELECT DISTINCT date_trunc('milliseconds', created) + interval '1 millisecond' AS clock
                   FROM transaction WHERE user_id = $1) c ORDER BY 1`,
            [v.customer.user_id],
          );
          for (const { clock, expected: want } of clocks) {
            const asof = await t.db.userLedger(v.customer.user_id, { asof: clock, after: 0, limit: 1 });
            expect(BigInt(Math.round(asof.balance * 1e6))).toBe(micro(want));
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
