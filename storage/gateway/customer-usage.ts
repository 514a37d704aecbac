import type { Database } from '../database.js';

/** What a customer's balance and use texts say (engine/gateway/sms/ writes them). */
export interface CustomerUsage {
  /** The owner's ledger balance now. */
  readonly balance: number;
  /** When the ledger last changed for them; null before their first entry. */
  readonly updated: Date | null;
  /** The circuit's energy logged with periods starting at or after `since`, Wh. */
  readonly wh: number;
  /** What that energy was charged, currency units (consumption debits of the circuit's logs). */
  readonly spent: number;
}

/** The balance of `userId` and the use of circuit `circuitEntry` since `since`, in one statement. */
export async function customerUsage(
  db: Database,
  userId: number,
  circuitEntry: number,
  since: Date,
): Promise<CustomerUsage> {
  return db.withTransaction(async (_tx, client) => {
    const { rows } = await client.query(
      `SELECT
         (SELECT balance::float8 FROM transaction WHERE user_id = $1 ORDER BY created DESC, transaction_id DESC LIMIT 1) AS balance,
         (SELECT max(created) FROM transaction WHERE user_id = $1) AS updated,
         (SELECT coalesce(sum(watthours), 0) FROM gateway.primary_log WHERE circuit_id = $2 AND period_start >= $3) AS wh,
         (SELECT coalesce(-sum(t.amount), 0)::float8 FROM transaction t
          JOIN gateway.primary_log l ON l.primary_log_id = t.primary_log_id
          WHERE l.circuit_id = $2 AND l.period_start >= $3 AND t.user_id = $1) AS spent`,
      [userId, circuitEntry, since],
    );
    const r = rows[0];
    return {
      balance: Number(r.balance ?? 0),
      updated: (r.updated as Date | null) ?? null,
      wh: Number(r.wh),
      spent: Number(r.spent),
    };
  });
}
