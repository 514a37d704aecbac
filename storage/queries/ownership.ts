import { quoteIdent } from '../connection.js';
import { TABLES, type TableName } from '../tables.js';
import type { Queryable } from './current.js';
import { ownerHistory } from './owner-history.js';

/** A span of time [from, to); `to` null: still going on. */
export interface Span {
  readonly from: Date;
  readonly to: Date | null;
}

/**
 * The spans of time, as known at `asof` (null: now), in which `userId` owned the device
 * that row `deviceId` belongs to (any row id of the device): the device's versions in
 * order, each owning from its `created` until the next version's. Empty when the user
 * never owned it.
 */
export async function ownershipSpans(
  db: Queryable,
  deviceId: number,
  userId: number,
  asof: Date | null,
): Promise<Span[]> {
  const versions = (await ownerHistory(db, [deviceId], asof)).get(deviceId) ?? [];
  const spans: Span[] = [];
  let open: Date | null = null;
  for (const { userId: owner, since } of versions) {
    if (owner === userId && open === null) open = since;
    else if (owner !== userId && open !== null) {
      if (since > open) spans.push({ from: open, to: since });
      open = null;
    }
  }
  if (open !== null) spans.push({ from: open, to: null });
  return spans;
}

/**
 * When the entry that row `id` belongs to began: its first row's `created` (an order's
 * placement, a reading's first report; later versions, such as the CLEARED one the
 * runtime writes, belong to the same entry). Null when there is no such row.
 */
export async function entryBegan(db: Queryable, table: TableName, id: number): Promise<Date | null> {
  const def = TABLES[table];
  const T = quoteIdent(def.name);
  const ID = quoteIdent(def.id);
  if (def.key.length === 0) {
    const { rows } = await db.query(`SELECT created FROM ${T} WHERE ${ID} = $1`, [id]);
    return (rows[0]?.created as Date | undefined) ?? null;
  }
  const join = def.key.map((k) => `b.${quoteIdent(k)} = f.${quoteIdent(k)}`).join(' AND ');
  const { rows } = await db.query(
    `SELECT min(b.created) AS began FROM ${T} f JOIN ${T} b ON ${join} WHERE f.${ID} = $1`,
    [id],
  );
  return (rows[0]?.began as Date | null | undefined) ?? null;
}
