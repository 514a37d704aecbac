import { lockKey } from '../advisory-lock.js';
import type { Database } from '../database.js';
import type { MessageRow } from '../rows.js';
import { lockKeys } from '../table-keys.js';
import { TABLES } from '../tables.js';
import { currentMessage } from './messages.js';

/** Runs `act` inside a savepoint: when it throws, what it wrote is undone and the transaction goes on. */
export type Savepoint = <R>(act: () => Promise<R>) => Promise<R>;

/**
 * The sender's incoming messages still waiting to be acted on, received no later than the
 * entry `uniqueId` was, oldest first: their first versions (a received message has no
 * other), none of which has a later version yet.
 */
const WAITING_BEFORE = `
  SELECT m.message_id FROM gateway.message m
  WHERE m.system_id = $1 AND m.phone = $2 AND m.kind = 'incoming' AND m.state = 'received'
    AND m.created <= (SELECT min(created) FROM gateway.message WHERE unique_id = $3)
    AND NOT EXISTS (SELECT 1 FROM gateway.message v WHERE v.unique_id = m.unique_id AND v.state <> 'received')
  ORDER BY m.created, m.message_id`;

/**
 * Runs `fn` on incoming message `messageId` in one transaction, and first on each message
 * its sender sent before it that is still waiting, oldest first. The transaction holds the
 * sender's lock (system and number), then each message's lock (the lock every write of a
 * version of it takes), and `fn` reads each message's current version under it. So one
 * number's messages are acted on in the order they came, whichever worker picks which
 * first (a balance asked right after a top-up answers the new balance), and a second
 * worker on the same message waits, then sees what the first wrote. `savepoint` lets `fn`
 * try an action and keep going when the action is refused. Answers `fn`'s results, the
 * target message's last.
 */
export async function inSenderOrder<T>(
  db: Database,
  messageId: number,
  fn: (tx: Database, message: MessageRow, savepoint: Savepoint) => Promise<T>,
): Promise<T[]> {
  const named = await currentMessage(db, messageId);
  return db.withTransaction(async (tx, client) => {
    await lockKey(client, `tess:sms-sender:${named.system_id}:${named.phone}`);
    const { rows } = await client.query<{ message_id: number }>(WAITING_BEFORE, [
      named.system_id,
      named.phone,
      named.unique_id,
    ]);
    const ids = rows.map((r) => Number(r.message_id));
    const earlier = await Promise.all(ids.map((id) => currentMessage(tx, id)));
    const order = [...earlier.filter((m) => m.unique_id !== named.unique_id), named];
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
    const results: T[] = [];
    for (const message of order) {
      await lockKeys(client, TABLES.message, [{ unique_id: message.unique_id }], false);
      results.push(await fn(tx, await currentMessage(tx, message.message_id), savepoint));
    }
    return results;
  });
}
