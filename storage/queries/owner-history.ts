import { asofParam, type Queryable } from './current.js';

/** One version of a device: from `since` on, the device is `userId`'s. */
export interface OwnerVersion {
  readonly since: Date;
  readonly userId: number;
}

/**
 * Who owned a device when: the versions of each device in `deviceIds` (any row id of
 * each) as known at `asof` (null: now), oldest first, keyed by the id asked for. Both
 * readings of "the owner at the time" come from here: the ledger's (storage/owners.ts,
 * at when an order was placed or a metered interval began) and the reads' (who owned
 * the device when an entry began, queries/ownership.ts).
 */
export async function ownerHistory(
  db: Queryable,
  deviceIds: readonly number[],
  asof: Date | null,
): Promise<Map<number, OwnerVersion[]>> {
  const { rows } = await db.query(
    `SELECT e.device_id AS device, d.user_id, d.created
     FROM device e JOIN device d ON d.unique_id = e.unique_id
     WHERE e.device_id = ANY($1::bigint[]) AND d.created <= $2
     ORDER BY e.device_id, d.created, d.device_id`,
    [deviceIds, asofParam(asof)],
  );
  const history = new Map<number, OwnerVersion[]>();
  for (const r of rows as { device: number; user_id: number; created: Date }[]) {
    const list = history.get(r.device) ?? [];
    list.push({ since: r.created, userId: r.user_id });
    history.set(r.device, list);
  }
  return history;
}

/** The owner in `versions` at `time` (ms): the version in effect then; before the first, the first owner. */
export function ownerAt(versions: readonly OwnerVersion[], time: number): number {
  let user = versions[0]!.userId;
  for (const v of versions) {
    if (v.since.getTime() > time) break;
    user = v.userId;
  }
  return user;
}
