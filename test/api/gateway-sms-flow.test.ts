import { describe, expect, it } from 'vitest';
import { issueTokenBatch } from '../../storage/index.js';
import { failing } from '../helpers/loopback-provider.js';
import { waitFor } from '../helpers/market.js';
import { BASE, CID, CUSTOMER, METER, SMS_KEY as KEY, useSmsGateway } from './gateway-sms-fixture.js';
import { call } from './helpers.js';

const t = useSmsGateway({ name: 'flow', provider: { dedupe: true } });
const api = t.api;
const text = (from: string, body: string) => t.text(from, body);
const textsTo = (to: string, count: number, from = 0) => t.textsTo(to, count, from);

describe('customers by SMS', () => {
  it('tops up with a token, in the account’s language, and a used token is told so', async () => {
    const systemId = t.g.meter.system_id;
    const { tokens } = await issueTokenBatch(api.db, systemId, [{ denomination: 5, count: 1 }], KEY);
    const number = tokens[0]!.number;
    const start = t.provider.deliveries.length;
    expect(await text(CUSTOMER, `add.234567.${number}`)).toMatchObject({ state: 'handled' });
    expect(await textsTo(CUSTOMER, 1, start)).toEqual([
      'Account 234567: 5.00 $ added. Your new balance is 5.00 $.',
    ]);
    expect(await text(CUSTOMER, `ADD 234567 ${number}`)).toMatchObject({ state: 'handled' });
    expect((await textsTo(CUSTOMER, 2, start))[1]).toBe(
      'This token has already been used: each token adds credit once. Check the number on your card.',
    );
    await api.db.account.set({ user_id: t.p.customer.user_id, lang: 'fr' });
    const bal = await text(CUSTOMER, 'solde.234567');
    expect(bal.state).toBe('handled');
    expect((await textsTo(CUSTOMER, 3, start))[2]).toMatch(
      /^Compte 234567 : votre solde est de 5,00 \$ \(mis à jour le \d{4}-\d\d-\d\d \d\d:\d\d\)\.$/,
    );
    await api.db.account.set({ user_id: t.p.customer.user_id, lang: 'en' });
  });

  it('answers a PIN that is not the number’s own as unknown, and ignores numbers with no account', async () => {
    const start = t.provider.deliveries.length;
    await text(CUSTOMER, 'bal.765432');
    expect(await textsTo(CUSTOMER, 1, start)).toEqual([
      'We found no account 765432 for this phone. Check the PIN on your card and try again.',
    ]);
    expect(await text('+22311111111', 'bal.234567')).toMatchObject({
      state: 'ignored',
      detail: 'no account or field meter has this number',
    });
    expect(await text(CUSTOMER, 'hello')).toMatchObject({ state: 'handled' });
    expect((await textsTo(CUSTOMER, 2, start))[1]).toMatch(/^Unknown command\. Send BAL\.PIN/);
    await new Promise((r) => setTimeout(r, 200));
    expect(t.provider.deliveries.slice(start).filter((d) => d.body?.['to'] === '+22311111111')).toEqual([]);
  });

  it('switches off through the meter by SMS, and tells the customer when the meter has done it', async () => {
    const start = t.provider.deliveries.length;
    await text(CUSTOMER, 'off.234567');
    expect(await textsTo(CUSTOMER, 1, start)).toEqual([
      'Account 234567: your circuit will be turned off shortly. You will get a message when it is done.',
    ]);
    const [job] = await textsTo(METER, 1, start);
    const match = /^\(job=coff&jobid=(\d+)&cid=192\.168\.1\.201\)$/.exec(job!);
    expect(match, job).not.toBeNull();
    expect(await text(METER, `(job=delete&jobid=${match![1]}&status=0)`)).toMatchObject({ state: 'handled' });
    expect((await textsTo(CUSTOMER, 2, start))[1]).toMatch(
      /^Account 234567: your circuit was turned off at \d{4}-\d\d-\d\d \d\d:\d\d\.$/,
    );
    const state = await call(api.app, 'GET', `${BASE}/circuits/234567`, { token: t.p.tokens.operator });
    expect(state.data.status).toBe('off');
  });
});

describe('field meters by SMS', () => {
  it('stores primary and compressed logs, once, and answers a ping', async () => {
    const log = `(job=pp&status=1&ts=2026120512&cid=${CID}&tu=3600&wh=42.5&cr=10&ct=CIRCUIT)`;
    expect(await text(METER, log)).toMatchObject({ state: 'handled', detail: 'logs: 1 added, 0 repeated' });
    expect(await text(METER, log)).toMatchObject({ state: 'handled', detail: 'logs: 0 added, 1 repeated' });
    const { rows } = await api.db.sql.query(
      'SELECT watthours, reported_credit::float8 AS credit FROM gateway.primary_log WHERE circuit_id = $1',
      [t.g.circuit.circuit_id],
    );
    expect(rows).toEqual([{ watthours: 42.5, credit: 10 }]);
    const start = t.provider.deliveries.length;
    await text(METER, '(job=gateway-ping&meter-time=20261205120000)');
    const [answer] = await textsTo(METER, 1, start);
    expect(answer).toMatch(/^\(ack&gateway-time=\d{14}&meter-time=20261205120000\)$/);
    expect(
      await text(METER, '(job=pp&status=1&ts=2026120513&cid=10.0.0.9&tu=1&wh=1&ct=CIRCUIT)'),
    ).toMatchObject({
      state: 'ignored',
    });
    expect(await text(METER, 'garbage (((')).toMatchObject({ state: 'ignored' });
  });
});

describe('a failing provider', () => {
  it('is tried again with the same key, every attempt recorded, and the message sent once', async () => {
    t.provider.script(...failing(503, 2));
    const start = t.provider.deliveries.length;
    const before = t.provider.requests.length;
    await text(CUSTOMER, 'bal.234567');
    expect(await textsTo(CUSTOMER, 1, start)).toHaveLength(1);
    const tries = t.provider.requests.slice(before);
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    // The provider counts a delivery when the request arrives; the attempt is recorded once its answer has.
    const rows = await waitFor('the third attempt recorded', async () => {
      const { rows } = await api.db.sql.query(
        `SELECT a.attempt, a.ok, a.http_status FROM gateway.message_attempt a
         JOIN gateway.message m ON m.message_id = a.message_id
         WHERE m.unique_id = $1 ORDER BY a.attempt`,
        [tries[0]!.headers['idempotency-key']],
      );
      return rows.length >= 3 && rows;
    });
    expect(rows).toEqual([
      { attempt: 1, ok: false, http_status: 503 },
      { attempt: 2, ok: false, http_status: 503 },
      { attempt: 3, ok: true, http_status: 200 },
    ]);
  });
});
