import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { fillBalances } from '../../storage/balances.js';
import { listMarkets } from '../../storage/markets.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());

/**
 * A user's balance continues from the newest of their rows, by (created, transaction_id),
 * wherever in the history it lies: in the recent window the lookup tries first, in an
 * older chunk, or in the future. Rows are written straight to the table with chosen
 * `created` times, as a long-running ledger (or a loaded dump) would hold them.
 */
describe('running balances continue from the latest row, however old', () => {
  it('picks the newest row inside and outside the recent window', async () => {
    const m = await createMarket(t.db, 'ledger', 300, 5);
    const [u0, u1, u2, u3, u4] = m.users as [number, number, number, number, number];
    const rows: [number, string, number, number?][] = [
      // u0: only old rows, in two chunks; the newer of them counts.
      [u0, '10 days', 1],
      [u0, '3 days', 2.000001],
      // u1: an old row and a recent one.
      [u1, '10 days', 5],
      [u1, '1 hour', 7.5],
      // u2: nothing yet.
      // u3: a row written ahead of the clock is the newest.
      [u3, '1 hour', 8],
      [u3, '-2 days', 9],
      // u4: two rows at the same time: the higher id is the later.
      [u4, '2 days', 3, 900_000_001],
      [u4, '2 days', 4, 900_000_002],
    ];
    for (const [user, ago, balance, id] of rows) {
      await t.db.sql.query(
        `INSERT INTO transaction (transaction_id, user_id, device_id, meter_id, price_id, amount, balance, created)
         VALUES (coalesce($5, nextval(pg_get_serial_sequence('transaction', 'transaction_id'))), $1, $2, 1, 1, 0, $3,
                 date_trunc('second', now()) - $4::interval)`,
        [user, m.devices[m.users.indexOf(user)], balance, ago, id ?? null],
      );
    }
    const client = await t.db.sql.connect();
    try {
      await client.query('BEGIN');
      const fresh = [u0, u1, u2, u3, u4, u0].map(
        (user_id) => ({ user_id, amount: 0.000001 }) as Record<string, unknown>,
      );
      await fillBalances(client, fresh);
      expect(fresh.map((r) => r['balance'])).toEqual([
        2.000002, 7.500001, 0.000001, 9.000001, 4.000001, 2.000003,
      ]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('a clearing books fills on top of balances written long before', async () => {
    const seconds = 3600;
    const m = await createMarket(t.db, 'old-ledger', seconds, 2);
    await t.db.sql.query(
      `INSERT INTO transaction (user_id, device_id, meter_id, price_id, amount, balance, created)
       VALUES ($1, $2, 1, 1, 0, 100.25, now() - interval '9 days'), ($3, $4, 1, 1, 0, -3.5, now() - interval '2 days')`,
      [m.users[0], m.devices[0], m.users[1], m.devices[1]],
    );
    const from = new Date(Date.UTC(2102, 0, 1));
    await t.db.order.addMany([
      {
        device_id: m.devices[0]!,
        resource_id: m.resourceId,
        interval_start: from,
        side: 'buy',
        quantity: 5,
        price: 40,
      },
      {
        device_id: m.devices[1]!,
        resource_id: m.resourceId,
        interval_start: from,
        side: 'sell',
        quantity: 5,
        price: 10,
      },
    ]);
    const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
    const out = await clearMarketInterval(
      { db: t.db, pool, log: pino({ level: 'silent' }) },
      market!,
      from,
      new Date(from.getTime() + seconds * 1000),
    );
    expect(out.price).toMatchObject({ quantity: 5, price: 25 });
    const { rows } = await t.db.sql.query(
      'SELECT user_id, amount, balance FROM transaction WHERE order_id IS NOT NULL AND user_id = ANY($1) ORDER BY user_id',
      [m.users],
    );
    expect(rows).toEqual([
      { user_id: m.users[0], amount: -125, balance: -24.75 },
      { user_id: m.users[1], amount: 125, balance: 121.5 },
    ]);
  });
});
