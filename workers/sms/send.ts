import { ErrorCode, isTessError, TessError } from '../../engine/errors.js';
import {
  currentMessage,
  type Database,
  type MessageRow,
  moveMessage,
  recordAttempt,
} from '../../storage/index.js';
import { smsSent } from '../metrics.js';
import { parseInterfaceSettings, type RetryOptions, senderFor, sendWithRetry } from './senders/index.js';

/**
 * Attempts of one message, over every delivery of its job, before a provider that keeps
 * failing is given up on and the message marked failed (with 4 a delivery, 6 deliveries).
 */
export const GIVE_UP_AFTER = 24;

/** What sending needs besides the database. */
export interface SendDeps {
  /** SMS_SECRET_… variables by name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Attempts, waits and deadlines of one sending (senders/send-with-retry.ts). */
  readonly retry?: RetryOptions;
}

/**
 * Sends a queued message through its interface: every attempt recorded as it ends, then
 * the message marked sent or failed. A message no longer queued (sent by a first delivery
 * of this job) is left alone. Each attempt carries the message's unique id as its key, so
 * a provider that takes an idempotency key delivers it once even when an attempt that
 * timed out had reached it, or when this process died between its answer and the mark.
 */
export async function sendMessage(
  db: Database,
  messageId: number,
  deps: SendDeps,
): Promise<MessageRow | null> {
  const message = await currentMessage(db, messageId);
  if (message.state !== 'queued') return null;
  const fail = (detail: string) => {
    smsSent.inc({ outcome: 'failed' });
    return moveMessage(db, message.unique_id, 'queued', { state: 'failed', detail });
  };
  const iface = await db.current('communication_interface', message.communication_interface_id);
  if (iface?.status !== 'active') {
    return fail(`interface ${iface?.name ?? message.communication_interface_id} is not active`);
  }
  let sender: ReturnType<typeof senderFor>;
  try {
    const secret = iface.secret_env === null ? undefined : deps.secrets[iface.secret_env];
    sender = senderFor(parseInterfaceSettings(iface.kind, iface), secret);
  } catch (err) {
    if (!isTessError(err)) throw err;
    return fail(`interface ${iface.name}: ${err.message}`);
  }
  let recorded = 0;
  const { outcome } = await sendWithRetry(
    sender,
    { to: message.phone, text: message.body, key: message.unique_id },
    deps.retry ?? {},
    (a) =>
      recordAttempt(db, message.message_id, {
        started: a.startedAt,
        ended: a.endedAt,
        ok: a.outcome.ok,
        http_status: a.outcome.httpStatus,
        provider_id: a.outcome.ok ? a.outcome.providerId : null,
        reason: a.outcome.ok ? null : a.outcome.reason,
      }).then((row) => {
        recorded = row.attempt;
      }),
  );
  if (!outcome.ok && outcome.retry && recorded < GIVE_UP_AFTER) {
    // Still queued: the job is tried again later (BullMQ's retries, then the sweep).
    throw new TessError(
      ErrorCode.UNAVAILABLE,
      `message ${message.unique_id}: ${iface.name} did not take it after ${recorded} attempts (${outcome.reason})`,
    );
  }
  if (!outcome.ok) return fail(outcome.reason);
  smsSent.inc({ outcome: 'sent' });
  return moveMessage(db, message.unique_id, 'queued', { state: 'sent', provider_id: outcome.providerId });
}
