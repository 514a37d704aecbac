import { ErrorCode, isTessError, TessError } from '../../engine/errors.js';
import { lockKey } from '../advisory-lock.js';
import type { Database } from '../database.js';
import { lockKeys } from '../table-keys.js';
import { TABLES } from '../tables.js';
import type { MessageAttemptRow, MessageRow } from '../rows.js';

/**
 * The SMS messages' life in storage (migration 12): an incoming one is stored as it came
 * and later marked handled or ignored; an outgoing one is queued, its attempts recorded
 * one row each, then marked sent or failed. A message's states are versions of its
 * entry (unique_id), so what happened and when reads back as of any time.
 */

/** What a provider's webhook delivered, before anything reads it. */
export interface Received {
  readonly systemId: number;
  readonly interfaceId: number;
  readonly phone: string;
  readonly body: string;
  /** The provider's id of the message (Twilio's MessageSid), when it gives one. */
  readonly providerId: string | null;
}

/**
 * Stores an incoming message. A provider that delivers the same message again (a webhook
 * retried after a timeout) names it by the same id: that is the stored message, not a
 * second one (`duplicate`).
 */
export async function receiveMessage(
  db: Database,
  received: Received,
): Promise<{ readonly message: MessageRow; readonly duplicate: boolean }> {
  const uniqueId =
    received.providerId === null ? undefined : `in:${received.interfaceId}:${received.providerId}`;
  try {
    const message = await db.message.add({
      ...(uniqueId === undefined ? {} : { unique_id: uniqueId }),
      system_id: received.systemId,
      communication_interface_id: received.interfaceId,
      kind: 'incoming',
      phone: received.phone,
      body: received.body,
      state: 'received',
      provider_id: received.providerId,
    });
    return { message, duplicate: false };
  } catch (err) {
    if (!(isTessError(err) && err.code === ErrorCode.EXISTS && uniqueId !== undefined)) throw err;
    const id = await db.message.find({ unique_id: uniqueId });
    const message = id === null ? null : await db.message.get(id);
    if (!message) throw err;
    return { message, duplicate: true };
  }
}

/** The current version of the message whose any version is `messageId`. */
export async function currentMessage(db: Database, messageId: number): Promise<MessageRow> {
  const named = await db.message.get(messageId);
  const id = named === null ? null : await db.message.find({ unique_id: named.unique_id });
  const current = id === null ? null : await db.message.get(id);
  if (!current) throw new TessError(ErrorCode.NOT_FOUND, `message ${messageId} not found`);
  return current;
}

/** A message to send: a reply, a notice, or a job for a field meter. `uniqueId` makes queueing it idempotent. */
export interface Outgoing {
  readonly uniqueId: string;
  readonly systemId: number;
  readonly interfaceId: number;
  readonly kind: 'outgoing' | 'job';
  readonly phone: string;
  readonly body: string;
  readonly inReplyTo?: number | undefined;
  readonly fieldMeterId?: number | undefined;
  readonly circuitId?: number | undefined;
  readonly jobId?: number | undefined;
}

/**
 * Queues messages to send, in one transaction. One already queued under its unique id
 * (an incoming message handled again after a crash) is kept, not queued twice; the
 * answer holds every message named, stored now or before.
 */
export async function queueMessages(db: Database, messages: readonly Outgoing[]): Promise<MessageRow[]> {
  if (messages.length === 0) return [];
  return db.withTransaction(async (tx) => {
    const out: MessageRow[] = [];
    for (const m of messages) {
      const existing = await tx.message.find({ unique_id: m.uniqueId });
      if (existing !== null) {
        out.push((await tx.message.get(existing))!);
        continue;
      }
      out.push(
        await tx.message.add({
          unique_id: m.uniqueId,
          system_id: m.systemId,
          communication_interface_id: m.interfaceId,
          kind: m.kind,
          phone: m.phone,
          body: m.body,
          state: 'queued',
          in_reply_to: m.inReplyTo ?? null,
          field_meter_id: m.fieldMeterId ?? null,
          circuit_id: m.circuitId ?? null,
          job_id: m.jobId ?? null,
        }),
      );
    }
    return out;
  });
}

/** The message's next state (and what to note), unless it is already past `from`: then nothing is written. */
export async function moveMessage(
  db: Database,
  uniqueId: string,
  from: MessageRow['state'],
  change: Pick<MessageRow, 'state'> &
    Partial<Pick<MessageRow, 'detail' | 'provider_id' | 'field_meter_id' | 'circuit_id' | 'job_id'>>,
): Promise<MessageRow | null> {
  return db.withTransaction(async (tx, client) => {
    // The entry's lock before its current version is read: two movers (a redelivered job
    // beside the first) never both see `from`.
    await lockKeys(client, TABLES.message, [{ unique_id: uniqueId }], false);
    const id = await tx.message.find({ unique_id: uniqueId });
    const current = id === null ? null : await tx.message.get(id);
    if (!current) throw new TessError(ErrorCode.NOT_FOUND, `message ${uniqueId} not found`);
    if (current.state !== from) return null;
    const detail = change.detail === undefined ? {} : { detail: change.detail?.slice(0, 2000) ?? null };
    return tx.message.set({ ...change, ...detail, unique_id: uniqueId });
  });
}

/** Records one attempt to send a message; its number follows those already recorded. */
export async function recordAttempt(
  db: Database,
  messageId: number,
  attempt: Omit<MessageAttemptRow, 'message_attempt_id' | 'message_id' | 'attempt' | 'created'>,
): Promise<MessageAttemptRow> {
  return db.withTransaction(async (tx, client) => {
    await lockKey(client, `tess:message-attempt:${messageId}`);
    const { rows } = await client.query(
      'SELECT coalesce(max(attempt), 0) + 1 AS next FROM gateway.message_attempt WHERE message_id = $1',
      [messageId],
    );
    return tx.message_attempt.add({
      ...attempt,
      reason: attempt.reason?.slice(0, 2000) ?? null,
      provider_id: attempt.provider_id?.slice(0, 200) ?? null,
      message_id: messageId,
      attempt: Number(rows[0].next),
    });
  });
}

/**
 * Messages left in `state` since before `before` (a queue that lost them, a crash between
 * store and queue), of the last two days: older ones are history, not work.
 */
export async function messagesLeft(
  db: Database,
  state: 'received' | 'queued',
  before: Date,
  limit = 500,
): Promise<number[]> {
  return db.withTransaction(async (_tx, client) => {
    const { rows } = await client.query(
      `SELECT m.message_id FROM (SELECT DISTINCT ON (unique_id) message_id, state, created FROM gateway.message
                                 WHERE created >= $2::timestamptz - interval '2 days'
                                 ORDER BY unique_id, created DESC, message_id DESC) m
       WHERE m.state = $1 AND m.created < $2 ORDER BY m.message_id LIMIT $3`,
      [state, before, limit],
    );
    return rows.map((r) => Number(r.message_id));
  });
}
