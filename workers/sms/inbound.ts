import { ErrorCode, isTessError } from '../../engine/errors.js';
import {
  type Database,
  type FieldMeterRow,
  inSenderOrder,
  type MessageRow,
  queueMessages,
  type Savepoint,
} from '../../storage/index.js';
import { type CustomerDeps, onCustomerMessage, switchDone } from './customer-inbound.js';
import type { InboundOutcome } from './inbound-outcome.js';
import { onMeterMessage } from './meter-inbound.js';

export interface InboundDeps extends CustomerDeps {
  readonly now: () => Date;
}

/** What handling a message left to do after its transaction: messages to send. */
export interface Handled {
  /** What the message did; null when it had been acted on already. */
  readonly outcome: InboundOutcome | null;
  /** What the sender's earlier messages still waiting did, acted on first, oldest first. */
  readonly earlier: readonly { readonly messageId: number; readonly outcome: InboundOutcome }[];
  /** Messages queued by it and by them (replies, jobs), to hand to the queue. */
  readonly queued: readonly MessageRow[];
}

interface Acted {
  readonly messageId: number;
  readonly outcome: InboundOutcome | null;
  readonly queued: readonly MessageRow[];
}

/** Codes that say the input was refused, not that the database or Redis failed. */
const TRANSIENT: ReadonlySet<string> = new Set([ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL]);

/** The active field meter of the system with this number, if one has it. */
async function meterByPhone(db: Database, systemId: number, phone: string): Promise<FieldMeterRow | null> {
  const [meter] = await db.field_meter.list({
    where: { system_id: systemId, phone, status: 'active' },
    limit: 1,
  });
  return meter ?? null;
}

/**
 * Acts on an incoming message, once: in one transaction with the message's lock, its
 * action (a log stored, a token redeemed, a job queued), its replies queued and its new
 * state, so a job delivered twice, or a crash anywhere, neither acts twice nor loses it.
 * Its sender's earlier messages still waiting are acted on first, in the same transaction
 * (storage's inSenderOrder), so one number's messages take effect in the order they came.
 * A message from a field meter's number speaks the meter protocol; any other is a
 * customer's command. What the input refuses (a malformed body, an unknown circuit, a
 * log that contradicts the stored one) is kept on the message as ignored; only a failure
 * of the database or the queue is thrown, for the job to be tried again.
 */
export async function handleIncoming(db: Database, messageId: number, deps: InboundDeps): Promise<Handled> {
  const acted = await inSenderOrder(db, messageId, (tx, message, savepoint) =>
    actOn(tx, message, deps, savepoint),
  );
  const target = acted.at(-1)!;
  return {
    outcome: target.outcome,
    earlier: acted
      .slice(0, -1)
      .flatMap((a) => (a.outcome ? [{ messageId: a.messageId, outcome: a.outcome }] : [])),
    queued: acted.flatMap((a) => a.queued),
  };
}

/** One message acted on, in the transaction that holds its lock (handleIncoming). */
async function actOn(
  tx: Database,
  message: MessageRow,
  deps: InboundDeps,
  savepoint: Savepoint,
): Promise<Acted> {
  if (message.state !== 'received' || message.kind !== 'incoming')
    return { messageId: message.message_id, outcome: null, queued: [] };
  const now = deps.now();
  const meter = await meterByPhone(tx, message.system_id, message.phone);
  let outcome: InboundOutcome;
  try {
    outcome = await savepoint(() =>
      meter ? onMeterMessage(tx, message, meter, now) : onCustomerMessage(tx, message, deps, now, savepoint),
    );
  } catch (err) {
    if (!isTessError(err) || TRANSIENT.has(err.code)) throw err;
    outcome = { state: 'ignored', detail: err.message, reason: 'refused' };
  }
  // A switch a customer asked for by SMS: they hear when the meter has done it.
  const done =
    outcome.state === 'handled' && outcome.acknowledged
      ? await switchDone(tx, outcome.acknowledged, now)
      : null;
  if (done && outcome.state === 'handled') outcome = { ...outcome, replies: [...outcome.replies, done] };
  const queued = await queueMessages(
    tx,
    (outcome.replies ?? []).map((r, i) => ({
      uniqueId: `reply:${message.unique_id}:${i}`,
      systemId: message.system_id,
      interfaceId: message.communication_interface_id,
      kind: 'outgoing' as const,
      phone: r.phone,
      body: r.body,
      inReplyTo: message.message_id,
    })),
  );
  await tx.message.set({
    unique_id: message.unique_id,
    state: outcome.state,
    detail: outcome.detail.slice(0, 2000),
    ...(meter ? { field_meter_id: meter.field_meter_id } : {}),
    ...(outcome.state === 'handled' && outcome.circuitId !== undefined
      ? { circuit_id: outcome.circuitId }
      : {}),
  });
  return { messageId: message.message_id, outcome, queued };
}
