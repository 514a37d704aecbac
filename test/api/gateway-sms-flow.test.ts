import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueTokenBatch } from '../../storage/index.js';
import { SmsWorker } from '../../workers/sms/sms-worker.js';
import { waitFor } from '../helpers/market.js';
import { type LoopbackProvider, startLoopbackProvider, failing } from '../helpers/loopback-provider.js';
import { redisUrl } from '../helpers/server-url.js';
import { useGateway } from './gateway-fixture.js';
import { call } from './helpers.js';

const SECRET = 'sms-flow-secret';
const KEY = 'k'.repeat(32);
const t = useGateway({ env: { SMS_SECRET_FLOW: SECRET, CREDIT_TOKEN_KEY: KEY } });
const api = t.api;
const BASE = '/api/v1/gateway';
const CUSTOMER = '+22300000001';
const METER = '+22399000000';
const CID = '192.168.1.201';

let provider: LoopbackProvider;
let worker: SmsWorker;
let iface: number;

beforeAll(async () => {
  provider = await startLoopbackProvider('webhook', { bearer: SECRET, dedupe: true });
  const added = await call(api.app, 'POST', `${BASE}/interfaces`, {
    token: t.p.tokens.operator,
    body: { name: 'flow', kind: 'http', base_url: `${provider.url}/send`, secret_env: 'SMS_SECRET_FLOW' },
  });
  expect(added.statusCode).toBe(201);
  iface = added.data.communication_interface_id;
  // The meter takes its jobs by SMS; its customer's circuit has an address.
  await api.db.field_meter.set({
    system_id: t.g.meter.system_id,
    name: t.g.meter.name,
    phone: METER,
    communication_interface: 'flow',
  });
  await api.db.circuit.set({ system_id: t.g.circuit.system_id, pin: '234567', ip_address: CID });
  worker = await SmsWorker.start({
    db: api.db,
    redisUrl: redisUrl(),
    log: pino({ level: 'silent' }),
    prefix: 'tess',
    secrets: { SMS_SECRET_FLOW: SECRET },
    creditTokenKey: KEY,
    retry: { backoffMs: 10, maxBackoffMs: 20, timeoutMs: 2_000 },
    sweepMs: 500,
  });
});
afterAll(async () => {
  await worker?.close();
  await provider?.close();
});

/** Texts TESS from `from`, and waits for the message to be acted on. */
async function text(from: string, body: string): Promise<{ state: string; detail: string }> {
  const res = await call(api.app, 'POST', `${BASE}/sms/${iface}`, {
    body: { from, text: body },
    headers: { authorization: `Bearer ${SECRET}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  let row: { state: string; detail: string } | undefined;
  await waitFor('the message acted on', async () => {
    const { rows } = await api.db.sql.query(
      `SELECT DISTINCT ON (unique_id) state, detail FROM gateway.message WHERE unique_id =
         (SELECT unique_id FROM gateway.message WHERE message_id = $1) ORDER BY unique_id, created DESC`,
      [res.data.message_id],
    );
    row = rows[0];
    return row !== undefined && row.state !== 'received';
  });
  return row!;
}

/** The texts the provider delivered to `to` since `from` (an index into its deliveries). */
async function textsTo(to: string, count: number, from = 0): Promise<string[]> {
  const texts = () =>
    provider.deliveries
      .slice(from)
      .filter((d) => d.body?.['to'] === to)
      .map((d) => String(d.body?.['text']));
  await waitFor(`${count} texts to ${to}`, async () => texts().length >= count);
  return texts();
}

describe('customers by SMS', () => {
  it('tops up with a token, in the account’s language, and a used token is told so', async () => {
    const systemId = t.g.meter.system_id;
    const { tokens } = await issueTokenBatch(api.db, systemId, [{ denomination: 5, count: 1 }], KEY);
    const number = tokens[0]!.number;
    const start = provider.deliveries.length;
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
    const start = provider.deliveries.length;
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
    expect(provider.deliveries.slice(start).filter((d) => d.body?.['to'] === '+22311111111')).toEqual([]);
  });

  it('switches off through the meter by SMS, and tells the customer when the meter has done it', async () => {
    const start = provider.deliveries.length;
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
    const start = provider.deliveries.length;
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
    provider.script(...failing(503, 2));
    const start = provider.deliveries.length;
    const before = provider.requests.length;
    await text(CUSTOMER, 'bal.234567');
    expect(await textsTo(CUSTOMER, 1, start)).toHaveLength(1);
    const tries = provider.requests.slice(before);
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    const { rows } = await api.db.sql.query(
      `SELECT a.attempt, a.ok, a.http_status FROM gateway.message_attempt a
       JOIN gateway.message m ON m.message_id = a.message_id
       WHERE m.unique_id = $1 ORDER BY a.attempt`,
      [tries[0]!.headers['idempotency-key']],
    );
    expect(rows).toEqual([
      { attempt: 1, ok: false, http_status: 503 },
      { attempt: 2, ok: false, http_status: 503 },
      { attempt: 3, ok: true, http_status: 200 },
    ]);
  });
});
