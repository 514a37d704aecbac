import type pg from 'pg';
import { moneyToMicro } from './values.js';

type Client = pg.PoolClient | pg.Client;

/**
 * How far back the first look for a user's latest balance reaches. Only a speed choice:
 * users with no transaction that recent are looked up again in the older history, so the
 * balance found is the same whatever this is. One day is one chunk of the `transaction`
 * hypertable (migration 4), and covers every user who traded or was settled since yesterday.
 */
const RECENT = '1 day';

/**
 * Each user's latest balance: the newest row by (created, transaction_id), as the ledger
 * reads it. One index probe per user on `transaction_user`, newest first, stopping at the
 * first row (LIMIT 1 in a lateral join). The shapes that look simpler are not:
 * `DISTINCT ON (user_id) … WHERE user_id = ANY($1)` reads every row of every user on plain
 * PostgreSQL (all their history) and, on a hypertable, is planned as TimescaleDB's SkipScan,
 * which re-applies the whole array at each skip: quadratic in the number of users.
 * On a hypertable the first probe is bounded to recent chunks (excluded at plan time by
 * the constant `$2`); only users with no recent row are looked for in older chunks.
 */
const LATEST_BALANCES = `
  WITH wanted AS (SELECT DISTINCT unnest($1::bigint[]) AS user_id),
  recent AS (
    SELECT w.user_id, t.balance FROM wanted w CROSS JOIN LATERAL (
      SELECT balance FROM transaction WHERE user_id = w.user_id AND created >= $2::timestamptz
      ORDER BY created DESC, transaction_id DESC LIMIT 1) t)
  SELECT user_id, balance FROM recent
  UNION ALL
  SELECT w.user_id, t.balance FROM wanted w CROSS JOIN LATERAL (
    SELECT balance FROM transaction WHERE user_id = w.user_id AND created < $2::timestamptz
    ORDER BY created DESC, transaction_id DESC LIMIT 1) t
  WHERE NOT EXISTS (SELECT 1 FROM recent r WHERE r.user_id = w.user_id)`;

/**
 * Fills `balance` on new transaction rows: each user's running sum of amounts, in exact
 * micro-units. One advisory lock serializes every writer of money, so a balance always
 * continues the one written before it.
 */
export async function fillBalances(client: Client, rows: Record<string, unknown>[]): Promise<void> {
  // The database's clock (not ours) places the recent window: `created` is written by it.
  const { rows: lock } = await client.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('tess:balances', 0)), now() - interval '${RECENT}' AS recent`,
  );
  const users = [...new Set(rows.map((r) => r['user_id'] as number))];
  const { rows: last } = await client.query(LATEST_BALANCES, [users, lock[0].recent]);
  const balance = new Map<number, number>(last.map((r) => [r.user_id, moneyToMicro(r.balance)]));
  for (const row of rows) {
    const user = row['user_id'] as number;
    const next = (balance.get(user) ?? 0) + moneyToMicro(row['amount'] as number);
    balance.set(user, next);
    row['balance'] = next / 1e6;
  }
}
