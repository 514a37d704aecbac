import type { Queryable } from './queries/current.js';
import { ownerAt, ownerHistory } from './queries/owner-history.js';

/**
 * Who is charged or paid for a device's market activity: the owner (user entry id) the
 * device had at a given time — when an order was placed, when a metered interval began —
 * not the owner it has when the runtime gets round to booking it. A device that moves
 * between users mid-interval would otherwise have its previous owner's fills charged to
 * the new one. Most devices never change hands: one query finds each device's current
 * owner and whether it ever had another; only the devices that did have their versions
 * read, and each time is looked up among them.
 */
export async function ownersAt(
  client: Queryable,
  devices: ArrayLike<number>,
  times: ArrayLike<number>,
): Promise<number[]> {
  const ids = [...new Set(Array.from(devices))];
  const { rows } = await client.query(
    `SELECT e.device_id AS device,
            (array_agg(d.user_id ORDER BY d.created DESC, d.device_id DESC))[1] AS user_id,
            count(DISTINCT d.user_id) > 1 AS moved
     FROM device e JOIN device d ON d.unique_id = e.unique_id
     WHERE e.device_id = ANY($1::bigint[])
     GROUP BY e.device_id`,
    [ids],
  );
  const current = new Map<number, number>(rows.map((r) => [r.device, r.user_id]));
  const moved = rows.filter((r) => r.moved).map((r) => r.device as number);
  const history = moved.length > 0 ? await ownerHistory(client, moved, null) : new Map();
  const out = new Array<number>(devices.length);
  for (let i = 0; i < devices.length; i++) {
    const device = devices[i]!;
    const versions = history.get(device);
    out[i] = versions ? ownerAt(versions, times[i]!) : current.get(device)!;
  }
  return out;
}
