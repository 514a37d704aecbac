import type { Role } from '../rows.js';
import type { Queryable } from './current.js';

/** What a bearer token stands for, from the current versions of its token, user and device. */
export interface PrincipalRow {
  readonly token_id: number;
  readonly unique_id: string;
  readonly secret_hash: string;
  readonly is_valid: boolean;
  /** Entry id of the token's user. */
  readonly user_id: number;
  readonly role: Role;
  readonly system_id: number;
  /** Entry id of the token's device, or null for a user token. */
  readonly device_id: number | null;
  /** The device's current owner (entry id) and that owner's system. */
  readonly device_user_id: number | null;
  readonly device_system_id: number | null;
}

/** One statement: the token entry's current row joined with its user's and device's current rows. */
export async function findPrincipal(db: Queryable, tokenUniqueId: string): Promise<PrincipalRow | null> {
  const { rows } = await db.query(
    `SELECT t.token_id, t.unique_id, t.secret_hash, t.is_valid, t.user_id, t.device_id,
            u.role, u.system_id, d.user_id AS device_user_id, du.system_id AS device_system_id
       FROM (SELECT * FROM token WHERE unique_id = $1 ORDER BY created DESC, token_id DESC LIMIT 1) t
       JOIN LATERAL (SELECT c.* FROM "user" f JOIN "user" c ON c.system_id = f.system_id AND c.email = f.email
                      WHERE f.user_id = t.user_id ORDER BY c.created DESC, c.user_id DESC LIMIT 1) u ON true
       LEFT JOIN LATERAL (SELECT c.* FROM device f JOIN device c ON c.unique_id = f.unique_id
                      WHERE f.device_id = t.device_id ORDER BY c.created DESC, c.device_id DESC LIMIT 1) d ON true
       LEFT JOIN "user" du ON du.user_id = d.user_id`,
    [tokenUniqueId],
  );
  return (rows[0] as PrincipalRow) ?? null;
}
