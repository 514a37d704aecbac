import type pg from 'pg';

type Client = pg.PoolClient | pg.Client;

/**
 * Runs inside the write transaction of new device rows (storage's beforeInsert hook),
 * after their keys are locked: for every device whose owner changes, every token of
 * that device still valid gets a new version with is_valid false. A device token
 * stands for the device's owner, so one issued to the previous owner would otherwise
 * go on placing orders charged to the new one; the new owner is issued new tokens.
 * Revoking in the same transaction leaves no moment in which the device has moved and
 * the old tokens still work.
 */
export async function revokeOnOwnerChange(
  client: Client,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  const keys = rows.map((r) => r['unique_id']).filter((k): k is string => typeof k === 'string');
  if (keys.length === 0) return;
  const { rows: current } = await client.query(
    `SELECT DISTINCT ON (unique_id) unique_id, user_id FROM device WHERE unique_id = ANY($1::text[])
     ORDER BY unique_id, created DESC, device_id DESC`,
    [keys],
  );
  const owner = new Map<string, number>(current.map((r) => [r.unique_id as string, r.user_id as number]));
  const moved = rows
    .filter((r) => {
      const before = owner.get(r['unique_id'] as string);
      return before !== undefined && before !== r['user_id'];
    })
    .map((r) => r['unique_id'] as string);
  if (moved.length) await revokeDeviceTokens(client, moved);
}

/**
 * Adds a revoked version of every valid token of the devices with these unique_ids;
 * returns how many. Takes the token table's write lock exclusively (as bulk writes of
 * tokens do, storage/table.ts): no token of these devices is changed meanwhile.
 */
export async function revokeDeviceTokens(client: Client, deviceKeys: readonly string[]): Promise<number> {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', ['tess:token']);
  const { rowCount } = await client.query(
    `WITH device_rows AS (SELECT device_id FROM device WHERE unique_id = ANY($1::text[]))
     INSERT INTO token (user_id, device_id, unique_id, secret_hash, is_valid)
     SELECT cur.user_id, cur.device_id, cur.unique_id, cur.secret_hash, false FROM (
       SELECT DISTINCT ON (t.unique_id) t.* FROM token t
        WHERE t.unique_id IN (SELECT unique_id FROM token WHERE device_id IN (SELECT device_id FROM device_rows))
        ORDER BY t.unique_id, t.created DESC, t.token_id DESC) cur
     WHERE cur.is_valid AND cur.device_id IN (SELECT device_id FROM device_rows)`,
    [deviceKeys],
  );
  return rowCount ?? 0;
}
