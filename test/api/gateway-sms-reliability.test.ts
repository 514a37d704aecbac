import { describe, expect, it } from 'vitest';
import { issueTokenBatch, receiveMessage } from '../../storage/index.js';
import { handleIncoming } from '../../workers/sms/inbound.js';
import { failing } from '../helpers/loopback-provider.js';
import { waitFor } from '../helpers/market.js';
import { CUSTOMER, SMS_KEY, useSmsGateway } from './gateway-sms-fixture.js';

/**
 * A provider that fails, answers late or refuses, and a queue that loses or repeats work:
 * each reply is still sent, once. The SMS worker runs against a loopback webhook provider
 * that counts one delivery per Idempotency-Key, with short waits so that retries, the
 * queue's second delivery and the sweep all happen within a test.
 */

/** One attempt's deadline. */
const DEADLINE_MS = 400;
const t = useSmsGateway({
  name: 'reliable',
  provider: { dedupe: true },
  worker: { retry: { attempts: 4, backoffMs: 10, maxBackoffMs: 20, timeoutMs: DEADLINE_MS }, sweepMs: 300 },
});
const api = t.api;
const BALANCE = /^Account 234567: your balance is \d+\.\d\d \$ \(updated \d{4}-\d\d-\d\d \d\d:\d\d\)\.$/;

const rows = async (sql: string, values: unknown[]) => (await api.db.sql.query(sql, values)).rows;

/** The current version of a message by unique id. */
const messageNow = async (uniqueId: string) =>
  (
    await rows(
      `SELECT state, detail, provider_id FROM gateway.message WHERE unique_id = $1
       ORDER BY created DESC, message_id DESC LIMIT 1`,
      [uniqueId],
    )
  )[0] as { state: string; detail: string | null; provider_id: string | null };

/** The one reply queued for incoming message `messageId`, once it has left `queued`. */
async function settledReply(messageId: number) {
  const [reply] = await rows(
    `SELECT DISTINCT ON (unique_id) unique_id FROM gateway.message
     WHERE kind = 'outgoing' AND in_reply_to = $1 ORDER BY unique_id, created DESC`,
    [messageId],
  );
  expect(reply, `a reply to message ${messageId}`).toBeDefined();
  const uniqueId: string = reply.unique_id;
  const now = await waitFor(`reply ${uniqueId} sent or failed`, async () => {
    const m = await messageNow(uniqueId);
    return m.state !== 'queued' && m;
  });
  return { uniqueId, ...now };
}

const attemptsOf = (uniqueId: string) =>
  rows(
    `SELECT a.attempt, a.ok, a.http_status, a.reason, a.started, a.ended FROM gateway.message_attempt a
     WHERE a.message_id = (SELECT min(message_id) FROM gateway.message WHERE unique_id = $1)
     ORDER BY a.attempt`,
    [uniqueId],
  );

const requestsWith = (key: string, from: number) =>
  t.provider.requests.slice(from).filter((r) => r.headers['idempotency-key'] === key);
const deliveriesWith = (key: string) =>
  t.provider.deliveries.filter((r) => r.headers['idempotency-key'] === key);

describe('a provider', () => {
  it('that fails with 500 several times, then takes it: sent once, every attempt recorded in order', async () => {
    // Four attempts a delivery of the job: the first delivery gives up, the queue's second sends it.
    t.provider.script(...failing(500, 5, 'upstream busy'));
    const before = t.provider.requests.length;
    const { messageId } = await t.text(CUSTOMER, 'bal.234567');
    const reply = await settledReply(messageId);
    expect(reply.state).toBe('sent');
    const attempts = await attemptsOf(reply.uniqueId);
    expect(attempts.map((a) => [a.attempt, a.ok, a.http_status, a.reason])).toEqual([
      [1, false, 500, 'HTTP 500: upstream busy'],
      [2, false, 500, 'HTTP 500: upstream busy'],
      [3, false, 500, 'HTTP 500: upstream busy'],
      [4, false, 500, 'HTTP 500: upstream busy'],
      [5, false, 500, 'HTTP 500: upstream busy'],
      [6, true, 200, null],
    ]);
    for (const [i, a] of attempts.entries()) {
      expect(a.ended.getTime()).toBeGreaterThanOrEqual(a.started.getTime());
      if (i > 0) expect(a.started.getTime()).toBeGreaterThanOrEqual(attempts[i - 1]!.ended.getTime());
    }
    expect(requestsWith(reply.uniqueId, before)).toHaveLength(6);
    expect(t.provider.requests.length - before).toBe(6);
    const delivered = deliveriesWith(reply.uniqueId);
    expect(delivered.map((d) => d.body)).toEqual([
      { to: CUSTOMER, text: expect.stringMatching(BALANCE), key: reply.uniqueId },
    ]);
  });

  it('that answers slowly, within the deadline: one request', async () => {
    t.provider.script({ delayMs: DEADLINE_MS / 2 });
    const before = t.provider.requests.length;
    const { messageId } = await t.text(CUSTOMER, 'bal.234567');
    const reply = await settledReply(messageId);
    expect(reply.state).toBe('sent');
    expect(await attemptsOf(reply.uniqueId)).toMatchObject([{ attempt: 1, ok: true, http_status: 200 }]);
    expect(t.provider.requests.length - before).toBe(1);
    expect(deliveriesWith(reply.uniqueId)).toHaveLength(1);
  });

  it('that answers after the deadline: tried again with the same key, delivered once', async () => {
    t.provider.script({ delayMs: DEADLINE_MS * 4 });
    const before = t.provider.requests.length;
    const { messageId } = await t.text(CUSTOMER, 'bal.234567');
    const reply = await settledReply(messageId);
    expect(reply.state).toBe('sent');
    const attempts = await attemptsOf(reply.uniqueId);
    expect(attempts).toMatchObject([
      { attempt: 1, ok: false, http_status: null, reason: expect.stringMatching(/timed out/) },
      { attempt: 2, ok: true, http_status: 200 },
    ]);
    expect(attempts[0]!.ended.getTime() - attempts[0]!.started.getTime()).toBeGreaterThanOrEqual(
      DEADLINE_MS - 5,
    );
    const tries = requestsWith(reply.uniqueId, before);
    expect(tries).toHaveLength(2);
    expect(t.provider.requests.length - before).toBe(2);
    // The provider took the first; the second was answered as the first, with its id.
    const delivered = deliveriesWith(reply.uniqueId);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toBe(tries[0]);
    expect(reply.provider_id).toMatch(/^wh-\d+$/);
  });

  it('that refuses for good (400): failed with the provider’s reason after one attempt', async () => {
    t.provider.script({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'destination +22300000001 is blocked' }),
    });
    const before = t.provider.requests.length;
    const { messageId } = await t.text(CUSTOMER, 'bal.234567');
    const reply = await settledReply(messageId);
    expect(reply).toMatchObject({ state: 'failed', detail: 'HTTP 400: destination +22300000001 is blocked' });
    expect(await attemptsOf(reply.uniqueId)).toMatchObject([
      { attempt: 1, ok: false, http_status: 400, reason: 'HTTP 400: destination +22300000001 is blocked' },
    ]);
    expect(t.provider.requests.length - before).toBe(1);
    expect(deliveriesWith(reply.uniqueId)).toEqual([]);
    // Nothing tries it again: after a few sweeps it is still the one attempt.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(t.provider.requests.length - before).toBe(1);
    expect((await messageNow(reply.uniqueId)).state).toBe('failed');
  });
});

describe('the queue', () => {
  it('that did not take a message (Redis away at the webhook): the sweep finds it and it is answered', async () => {
    const { message } = await receiveMessage(api.db, {
      systemId: t.g.meter.system_id,
      interfaceId: t.iface,
      phone: CUSTOMER,
      body: 'BAL 234567',
      providerId: 'lost-1',
    });
    expect(message.state).toBe('received');
    const reply = await settledReply(
      await waitFor('the message found and handled', async () => {
        const m = await messageNow(message.unique_id);
        return m.state === 'handled' && message.message_id;
      }),
    );
    expect(reply.state).toBe('sent');
    expect(deliveriesWith(reply.uniqueId).map((d) => d.body?.['text'])).toEqual([
      expect.stringMatching(BALANCE),
    ]);
  });

  it('that delivers a job twice at once: acted on once, one reply, one redemption', async () => {
    const systemId = t.g.meter.system_id;
    const { tokens } = await issueTokenBatch(api.db, systemId, [{ denomination: 3, count: 1 }], SMS_KEY);
    const { message } = await receiveMessage(api.db, {
      systemId,
      interfaceId: t.iface,
      phone: CUSTOMER,
      body: `add.234567.${tokens[0]!.number}`,
      providerId: 'twice-1',
    });
    const balanceBefore = Number(
      (
        await rows(
          'SELECT coalesce((SELECT balance FROM transaction WHERE user_id = $1 ORDER BY created DESC, transaction_id DESC LIMIT 1), 0)::float8 AS b',
          [t.p.customer.user_id],
        )
      )[0].b,
    );
    const deps = { creditTokenKey: SMS_KEY, now: () => new Date() };
    const both = await Promise.all([
      handleIncoming(api.db, message.message_id, deps),
      handleIncoming(api.db, message.message_id, deps),
    ]);
    const acted = both.filter((h) => h.outcome !== null);
    expect(acted).toHaveLength(1);
    expect(acted[0]!.outcome).toMatchObject({ state: 'handled', detail: 'redeemed 3 for 234567' });
    expect(both.find((h) => h.outcome === null)?.queued).toEqual([]);
    // A third delivery, later, finds it handled too.
    expect(await handleIncoming(api.db, message.message_id, deps)).toEqual({
      outcome: null,
      earlier: [],
      queued: [],
    });

    const [counts] = await rows(
      `SELECT (SELECT count(DISTINCT unique_id)::int FROM gateway.message WHERE in_reply_to = $1) AS replies,
              (SELECT count(*)::int FROM gateway.redemption r JOIN gateway.circuit c USING (circuit_id)
               WHERE c.pin = '234567') AS redemptions,
              (SELECT count(*)::int FROM transaction WHERE user_id = $2 AND redemption_id IS NOT NULL) AS credits`,
      [message.message_id, t.p.customer.user_id],
    );
    expect(counts).toEqual({ replies: 1, redemptions: 1, credits: 1 });
    // The reply was queued in the handling transaction; the worker's sweep sends it, once.
    const reply = await settledReply(message.message_id);
    expect(reply.state).toBe('sent');
    const text = `Account 234567: 3.00 $ added. Your new balance is ${(balanceBefore + 3).toFixed(2)} $.`;
    expect(deliveriesWith(reply.uniqueId).map((d) => d.body?.['text'])).toEqual([text]);
  });
});
