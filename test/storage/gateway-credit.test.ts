import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../engine/errors.js';
import { hashTokenNumber, issueTokenBatch, redeemToken } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase({ poolSize: 60 } as { system?: string });
const KEY = 'k'.repeat(32);

async function circuit(pin: string) {
  const system_id = await t.db.systemId();
  const operator = await t.db.user.add({ system_id, name: 'op', email: `op-${pin}@v`, role: 'OPERATOR' });
  const customer = await t.db.user.add({ system_id, name: 'Awa', email: `awa-${pin}@v` });
  const meterDevice = await t.db.device.add({ user_id: operator.user_id, name: 'meter' });
  const circuitDevice = await t.db.device.add({ user_id: customer.user_id, name: 'circuit' });
  const meter = await t.db.field_meter.add({ system_id, device_id: meterDevice.device_id, name: `m-${pin}` });
  await t.db.circuit.add({
    system_id,
    device_id: circuitDevice.device_id,
    field_meter_id: meter.field_meter_id,
    pin,
  });
  return { system_id, customer };
}

describe('credit tokens', () => {
  it('a batch shows each number once and stores only its keyed hash', async () => {
    const system_id = await t.db.systemId();
    const issued = await issueTokenBatch(
      t.db,
      system_id,
      [
        { denomination: 500, count: 3 },
        { denomination: 1000, count: 2 },
      ],
      KEY,
    );
    expect(issued.tokens.map((x) => x.value)).toEqual([500, 500, 500, 1000, 1000]);
    for (const x of issued.tokens) expect(x.number).toMatch(/^[0-9]{11}$/);
    const { rows } = await t.db.sql.query(
      'SELECT number_hash, value FROM gateway.credit_token WHERE token_batch_id = $1 ORDER BY credit_token_id',
      [issued.batch.token_batch_id],
    );
    expect(rows).toEqual(
      issued.tokens.map((x) => ({ number_hash: hashTokenNumber(KEY, x.number), value: x.value })),
    );
    // No number appears in the database in clear.
    const dump = JSON.stringify((await t.db.sql.query('SELECT * FROM gateway.credit_token')).rows);
    for (const x of issued.tokens) expect(dump).not.toContain(x.number);
  });

  it('refuses bad batches and short keys', async () => {
    const system_id = await t.db.systemId();
    await expect(
      issueTokenBatch(t.db, system_id, [{ denomination: -1, count: 1 }], KEY),
    ).rejects.toMatchObject({
      code: ErrorCode.INVALID,
    });
    await expect(
      issueTokenBatch(t.db, system_id, [{ denomination: 1, count: 1 }], 'short'),
    ).rejects.toMatchObject({
      code: ErrorCode.INVALID,
      message: 'the credit-token key must be at least 32 bytes',
    });
  });

  it('redeems into the one ledger: the balance is the sum of top-ups, as of any time', async () => {
    const { system_id, customer } = await circuit('234567');
    const { tokens } = await issueTokenBatch(t.db, system_id, [{ denomination: 500, count: 2 }], KEY);
    const first = await redeemToken(t.db, system_id, '234567', tokens[0]!.number, KEY);
    expect(first).toMatchObject({ pin: '234567', value: 500, balance: 500 });
    // Printed with spaces, as on the card.
    const spaced = tokens[1]!.number.replace(/(\d{4})(\d{4})(\d+)/, '$1 $2 $3');
    const second = await redeemToken(t.db, system_id, '234567', spaced, KEY);
    expect(second.balance).toBe(1000);
    // As of a moment between the two top-ups, the balance is the first alone.
    const firstRow = (await t.db.transaction.get(first.transactionId))!;
    const between = new Date(firstRow.created.getTime() + 1);
    const secondRow = (await t.db.transaction.get(second.transactionId))!;
    if (secondRow.created > between) {
      const asof = await t.db.userLedger(customer.user_id, { asof: between, after: 0, limit: 10 });
      expect(asof.balance).toBe(500);
    }
    const now = await t.db.userLedger(customer.user_id, { asof: null, after: 0, limit: 10 });
    expect(now.balance).toBe(1000);
    expect(now.rows.map((r) => [r.amount, r.redemption_id !== null, r.price_id])).toEqual([
      [500, true, null],
      [500, true, null],
    ]);
  });

  it('a used token is 409-like EXISTS, an unknown token or circuit NOT_FOUND, a malformed one INVALID', async () => {
    const system_id = await t.db.systemId();
    const { tokens } = await issueTokenBatch(t.db, system_id, [{ denomination: 5, count: 1 }], KEY);
    await redeemToken(t.db, system_id, '234567', tokens[0]!.number, KEY);
    await expect(redeemToken(t.db, system_id, '234567', tokens[0]!.number, KEY)).rejects.toMatchObject({
      code: ErrorCode.EXISTS,
      message: 'token already used',
    });
    await expect(redeemToken(t.db, system_id, '234567', '00000000000', KEY)).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: 'token not found',
    });
    await expect(redeemToken(t.db, system_id, '999999', tokens[0]!.number, KEY)).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      message: 'circuit 999999 not found',
    });
    await expect(redeemToken(t.db, system_id, '234567', '12ab', KEY)).rejects.toMatchObject({
      code: ErrorCode.INVALID,
    });
  });

  it('of 50 concurrent redemptions of one token exactly one succeeds, and the ledger holds it once', async () => {
    const { system_id, customer } = await circuit('345678');
    const { tokens } = await issueTokenBatch(t.db, system_id, [{ denomination: 250, count: 1 }], KEY);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => redeemToken(t.db, system_id, '345678', tokens[0]!.number, KEY)),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected')
        expect(r.reason).toMatchObject({ code: ErrorCode.EXISTS, message: 'token already used' });
    }
    const { rows } = await t.db.sql.query(
      'SELECT count(*)::int AS n, sum(amount)::float AS total FROM transaction WHERE user_id = $1',
      [customer.user_id],
    );
    expect(rows[0]).toEqual({ n: 1, total: 250 });
  });
});
