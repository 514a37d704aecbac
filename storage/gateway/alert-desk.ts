import { type AlertChange, nextAlertWorkflow, sameWorkflow } from '../../engine/gateway/index.js';
import { ErrorCode, TessError } from '../../engine/errors.js';
import type { Database } from '../database.js';
import { TABLES } from '../tables.js';
import { lockKeys } from '../table-keys.js';
import type { AlertRow } from '../rows.js';

/**
 * An operator's change to an alert (engine/gateway/alert-desk.ts holds the workflow),
 * written as the alert's next version. The entry's lock is taken before its current
 * version is read, so two operators at once, or an operator and the alert pass ending
 * the episode, each see the other's version and neither overwrites it.
 *
 * `alertId` may name any version of the alert; an alert of another system is not found.
 * A change that changes nothing answers the current version and writes nothing.
 */
export async function changeAlert(
  db: Database,
  systemId: number,
  alertId: number,
  change: AlertChange,
): Promise<AlertRow> {
  return db.withTransaction(async (tx, client) => {
    const named = await tx.alert.get(alertId);
    if (!named || named.system_id !== systemId) {
      throw new TessError(ErrorCode.NOT_FOUND, `alert ${alertId} not found`);
    }
    await lockKeys(client, TABLES.alert, [{ unique_id: named.unique_id }], false);
    const currentId = await tx.alert.find({ unique_id: named.unique_id });
    const current = currentId === null ? null : await tx.alert.get(currentId);
    if (!current) throw new TessError(ErrorCode.INTERNAL, `alert ${alertId}: no current version`);
    const next = nextAlertWorkflow(current, change);
    if (sameWorkflow(current, next)) return current;
    return tx.alert.set({ unique_id: current.unique_id, ...next });
  });
}
