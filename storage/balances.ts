import type pg from 'pg';
import { toMicro } from './values.js';

type Client = pg.PoolClient | pg.Client;

/**
 * Fills `balance` on new transaction rows: each user's running sum of amounts, in exact
 * micro-units. One advisory lock serializes every writer of money, so a balance always
 * continues the one written before it.
 */
export async function fillBalances(client: Client, rows: Record<string, unknown>[]): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('tess:balances', 0))");
  const users = [...new Set(rows.map((r) => r['user_id'] as number))];
  const { rows: last } = await client.query(
    `SELECT DISTINCT ON (user_id) user_id, balance FROM transaction
     WHERE user_id = ANY($1::bigint[]) ORDER BY user_id, created DESC, transaction_id DESC`,
    [users],
  );
  const balance = new Map<number, number>(last.map((r) => [r.user_id, toMicro(r.balance)]));
  for (const row of rows) {
    const user = row['user_id'] as number;
    const next = (balance.get(user) ?? 0) + toMicro(row['amount'] as number);
    balance.set(user, next);
    row['balance'] = next / 1e6;
  }
}
