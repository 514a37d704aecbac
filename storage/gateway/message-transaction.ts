import type { Database } from '../database.js';
import type { MessageRow } from '../rows.js';
import { lockKeys } from '../table-keys.js';
import { TABLES } from '../tables.js';
import { currentMessage } from './messages.js';

/** Runs `act` inside a savepoint: when it throws, what it wrote is undone and the transaction goes on. */
export type Savepoint = <R>(act: () => Promise<R>) => Promise<R>;

/**
 * Runs `fn` in one transaction holding the lock of message `messageId`'s entry (the lock
 * every write of a version of it takes), with the message's current version read under
 * it: a second worker on the same message waits, then sees what the first one wrote.
 * `savepoint` lets `fn` try an action and keep going when the action is refused.
 */
export async function inMessage<T>(
  db: Database,
  messageId: number,
  fn: (tx: Database, message: MessageRow, savepoint: Savepoint) => Promise<T>,
): Promise<T> {
  const named = await currentMessage(db, messageId);
  return db.withTransaction(async (tx, client) => {
    await lockKeys(client, TABLES.message, [{ unique_id: named.unique_id }], false);
    let n = 0;
    const savepoint: Savepoint = async (act) => {
      const name = `act_${++n}`;
      await client.query(`SAVEPOINT ${name}`);
      try {
        const result = await act();
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw err;
      }
    };
    return fn(tx, await currentMessage(tx, messageId), savepoint);
  });
}
