import { describe, expect, it } from 'vitest';
import { issueTokenBatch, receiveMessage } from '../../storage/index.js';
import { handleIncoming } from '../../workers/sms/inbound.js';
import { CUSTOMER, SMS_KEY, useSmsGateway } from './gateway-sms-fixture.js';

/**
 * One number's messages take effect in the order they came, whichever a worker picks
 * first: the SMS worker handles eight at a time, so a customer's `bal` sent right after
 * their `add` could be acted on before it and answer the old balance. No worker runs here:
 * the test hands messages to handleIncoming in the order it chooses.
 */
const t = useSmsGateway({ name: 'order', worker: false });
const api = t.api;
const deps = { creditTokenKey: SMS_KEY, now: () => new Date() };

let n = 0;
const receive = async (phone: string, body: string) =>
  (
    await receiveMessage(api.db, {
      systemId: t.g.meter.system_id,
      interfaceId: t.iface,
      phone,
      body,
      providerId: `o-${++n}`,
    })
  ).message;
const card = async (value: number) =>
  (await issueTokenBatch(api.db, t.g.meter.system_id, [{ denomination: value, count: 1 }], SMS_KEY))
    .tokens[0]!.number;
/** The balance a reply to `messageId` told, in either language's figures. */
async function toldBalance(messageId: number): Promise<number> {
  const { rows } = await api.db.sql.query(
    "SELECT DISTINCT body FROM gateway.message WHERE kind = 'outgoing' AND in_reply_to = $1",
    [messageId],
  );
  expect(rows).toHaveLength(1);
  const m = /(?:balance is|solde est de) (\d+)[.,](\d\d) /.exec(rows[0].body);
  expect(m, rows[0].body).not.toBeNull();
  return Number(`${m![1]}.${m![2]}`);
}
async function ledger(): Promise<number> {
  const { rows } = await api.db.sql.query(
    'SELECT coalesce((SELECT balance FROM transaction WHERE user_id = $1 ORDER BY created DESC, transaction_id DESC LIMIT 1), 0)::float8 AS b',
    [t.p.customer.user_id],
  );
  return rows[0].b;
}

describe("a number's messages", () => {
  it('are acted on in the order they came: a balance handled before the top-up sent ahead of it acts on the top-up first', async () => {
    const before = await ledger();
    const add = await receive(CUSTOMER, `add.234567.${await card(7)}`);
    const bal = await receive(CUSTOMER, 'bal.234567');
    const handled = await handleIncoming(api.db, bal.message_id, deps);
    expect(handled.earlier).toMatchObject([
      { messageId: add.message_id, outcome: { state: 'handled', detail: 'redeemed 7 for 234567' } },
    ]);
    expect(handled.outcome).toMatchObject({ state: 'handled', detail: 'balance' });
    expect(handled.queued).toHaveLength(2);
    expect(await toldBalance(bal.message_id)).toBeCloseTo(before + 7, 2);
    // The top-up's own job, delivered later, finds it done.
    expect(await handleIncoming(api.db, add.message_id, deps)).toEqual({
      outcome: null,
      earlier: [],
      queued: [],
    });
  });

  it('picked by two workers at once, in either order, are each acted on once and in order', async () => {
    for (const reversed of [false, true]) {
      const before = await ledger();
      const add = await receive(CUSTOMER, `add.234567.${await card(5)}`);
      const bal = await receive(CUSTOMER, 'bal.234567');
      const ids = reversed ? [bal.message_id, add.message_id] : [add.message_id, bal.message_id];
      const both = await Promise.all(ids.map((id) => handleIncoming(api.db, id, deps)));
      const outcomes = both.flatMap((h) => [
        ...h.earlier.map((e) => e.outcome),
        ...(h.outcome ? [h.outcome] : []),
      ]);
      expect(outcomes.map((o) => o.detail).sort()).toEqual(['balance', 'redeemed 5 for 234567']);
      expect(await toldBalance(bal.message_id)).toBeCloseTo(before + 5, 2);
      expect(await ledger()).toBeCloseTo(before + 5, 6);
    }
  });

  it("leave other numbers' messages to their own jobs", async () => {
    const other = await receive('+22300000077', 'bal.234567');
    const mine = await receive(CUSTOMER, 'bal.234567');
    const handled = await handleIncoming(api.db, mine.message_id, deps);
    expect(handled.earlier).toEqual([]);
    const { rows } = await api.db.sql.query(
      'SELECT count(*)::int AS versions FROM gateway.message WHERE unique_id = $1',
      [other.unique_id],
    );
    expect(rows[0].versions).toBe(1);
  });
});
