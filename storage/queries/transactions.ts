import type { TransactionRow } from '../rows.js';
import { asofParam, type Queryable } from './current.js';

export interface UserLedger {
  /** Entries in booking order (each carries the running balance after it). */
  readonly rows: TransactionRow[];
  /** The user's balance as of the read (0 with no transactions). */
  readonly balance: number;
}

/** A user's transactions with the running balance, as of `asof`, with cursor paging on transaction_id. */
export async function userLedger(
  db: Queryable,
  userId: number,
  options: { asof: Date | null; after: number; limit: number },
): Promise<UserLedger> {
  const clock = asofParam(options.asof);
  const [page, last] = await Promise.all([
    db.query(
      `SELECT * FROM transaction WHERE user_id = $1 AND created <= $2 AND transaction_id > $3
       ORDER BY transaction_id LIMIT $4`,
      [userId, clock, options.after, options.limit],
    ),
    db.query(
      `SELECT balance FROM transaction WHERE user_id = $1 AND created <= $2
       ORDER BY created DESC, transaction_id DESC LIMIT 1`,
      [userId, clock],
    ),
  ]);
  return { rows: page.rows as TransactionRow[], balance: (last.rows[0]?.balance as number | undefined) ?? 0 };
}
