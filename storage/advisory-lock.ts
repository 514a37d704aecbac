import type { Queryable } from './queries/current.js';

/**
 * Takes the transaction-scoped advisory lock named `key` (e.g. `tess:market:7`): held
 * until the caller's transaction ends, so every process doing the same work waits its turn.
 */
export async function lockKey(client: Queryable, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}
