import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../http/gateway/twilio-signature.js';
import { smsQueueName } from '../../workers/sms/sms-queue.js';
import { useGateway } from './gateway-fixture.js';
import { call } from './helpers.js';

const TWILIO_TOKEN = 'twilio-auth-token-for-tests';
const HOOK_SECRET = 'webhook-secret-for-tests';
const t = useGateway({
  env: {
    SMS_SECRET_TWILIO: TWILIO_TOKEN,
    SMS_SECRET_HOOK: HOOK_SECRET,
    PUBLIC_URL: 'https://tess.example.org',
  },
});
const api = t.api;
const BASE = '/api/v1/gateway';

let queue: Queue | undefined;
afterAll(async () => {
  await queue?.obliterate({ force: true });
  await queue?.close();
});

const addInterface = (body: unknown, token = t.p.tokens.operator) =>
  call(api.app, 'POST', `${BASE}/interfaces`, { token, body });
const messages = async () =>
  (
    await api.db.sql.query(
      'SELECT message_id, unique_id, kind, phone, body, state, provider_id FROM gateway.message ORDER BY message_id',
    )
  ).rows;

let twilio: number;
let hook: number;

describe('communication interfaces', () => {
  it('are added by operators with what their kind needs, naming secrets only by variable', async () => {
    const refused: [unknown, RegExp][] = [
      [
        { name: 'tw', kind: 'twilio', account: 'AC1', sender: '+15550000000' },
        /a twilio interface needs secret_env/,
      ],
      [{ name: 'k', kind: 'kannel', account: 'u', secret_env: 'SMS_SECRET_K' }, /needs base_url/],
      [{ name: 'Bad Name', kind: 'log' }, /body\.name must be 1 to 63 of a-z/],
      [
        { name: 'leak', kind: 'http', base_url: 'https://x.example', secret_env: 'DATABASE_URL' },
        /SMS_SECRET_/,
      ],
      [
        { name: 'ftp', kind: 'http', base_url: 'ftp://x.example' },
        /body\.base_url must be an http or https URL/,
      ],
      [{ name: 'x', kind: 'pigeon' }, /kind/],
    ];
    for (const [body, message] of refused) {
      const res = await addInterface(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.data.error.message, JSON.stringify(body)).toMatch(message);
    }
    const tw = await addInterface({
      name: 'twilio',
      kind: 'twilio',
      account: 'AC0123',
      sender: '+15550000000',
      secret_env: 'SMS_SECRET_TWILIO',
    });
    expect(tw.statusCode).toBe(201);
    expect(tw.data).toMatchObject({ kind: 'twilio', secret_env: 'SMS_SECRET_TWILIO', status: 'active' });
    twilio = tw.data.communication_interface_id;
    const h = await addInterface({
      name: 'hook',
      kind: 'http',
      base_url: 'http://127.0.0.1:9/sms',
      secret_env: 'SMS_SECRET_HOOK',
    });
    hook = h.data.communication_interface_id;
    expect((await addInterface({ name: 'x', kind: 'log' }, t.p.tokens.customer)).statusCode).toBe(403);
    const list = await call(api.app, 'GET', `${BASE}/interfaces`, { token: t.p.tokens.accounting });
    expect(list.data.items.map((i: { name: string }) => i.name).sort()).toEqual(['hook', 'twilio']);
    expect(JSON.stringify(list.data)).not.toContain(TWILIO_TOKEN);
    // A field meter names an interface that exists.
    const meter = await call(api.app, 'PUT', `${BASE}/meters`, {
      token: t.p.tokens.operator,
      body: { name: t.g.meter.name, communication_interface: 'nowhere' },
    });
    expect(meter.statusCode).toBe(400);
    expect(meter.data.error.message).toMatch(/no interface named "nowhere"/);
  });
});

describe('the inbound webhook', () => {
  const post = (id: number, body: unknown, headers: Record<string, string> = {}, query = '') =>
    call(api.app, 'POST', `${BASE}/sms/${id}${query}`, { body, headers });

  it('stores a JSON message from a holder of the secret, once per provider id, and queues it', async () => {
    const bearer = { authorization: `Bearer ${HOOK_SECRET}` };
    expect((await post(hook, { from: '+22376000001', text: 'bal.234567' })).statusCode).toBe(403);
    expect(
      (await post(hook, { from: '+22376000001', text: 'x' }, { authorization: 'Bearer nope' })).statusCode,
    ).toBe(403);
    const first = await post(hook, { from: '+22376000001', text: 'bal.234567', id: 'p-1' }, bearer);
    expect(first.statusCode).toBe(200);
    expect(first.data).toMatchObject({ duplicate: false });
    const again = await post(hook, { from: '+22376000001', text: 'bal.234567', id: 'p-1' }, bearer);
    expect(again.data).toEqual({ message_id: first.data.message_id, duplicate: true });
    const byKey = await post(hook, { from: '+22376000002', text: 'solde 234567' }, {}, `?key=${HOOK_SECRET}`);
    expect(byKey.statusCode).toBe(200);
    // Kannel's get-url: everything in the query.
    const kannel = await call(
      api.app,
      'GET',
      `${BASE}/sms/${hook}?key=${HOOK_SECRET}&from=%2B22376000004&text=${encodeURIComponent('2 234567')}&id=k-9`,
    );
    expect(kannel.statusCode, kannel.body).toBe(200);
    const noKey = await call(api.app, 'GET', `${BASE}/sms/${hook}?from=%2B22376000004&text=x`);
    expect(noKey.statusCode).toBe(403);
    const noFrom = await call(api.app, 'GET', `${BASE}/sms/${hook}?key=${HOOK_SECRET}&text=x`);
    expect(noFrom.data.error.message).toMatch(/query\.from/);
    expect(await messages()).toMatchObject([
      { kind: 'incoming', phone: '+22376000001', body: 'bal.234567', state: 'received', provider_id: 'p-1' },
      { kind: 'incoming', phone: '+22376000002', body: 'solde 234567', state: 'received', provider_id: null },
      { kind: 'incoming', phone: '+22376000004', body: '2 234567', state: 'received', provider_id: 'k-9' },
    ]);
    queue = new Queue(smsQueueName(await api.db.identity()), { connection: api.redis, prefix: 'tess' });
    expect(await queue.getJob(`sms-in-${first.data.message_id}`)).toMatchObject({
      name: 'sms-in',
      data: { messageId: first.data.message_id },
    });
  });

  it('takes Twilio form posts signed for the public address, answering empty TwiML', async () => {
    const form = {
      From: '+22376000003',
      Body: 'add.234567.1234 5678 901',
      MessageSid: 'SM0001',
      To: '+1555',
    };
    const url = `https://tess.example.org${BASE}/sms/${twilio}`;
    const send = (signature: string, fields = form) =>
      api.app.inject({
        method: 'POST',
        url: `${BASE}/sms/${twilio}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: new URLSearchParams(fields).toString(),
      });
    const wrong = await send(twilioSignature('another token', url, form));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.message).toMatch(/X-Twilio-Signature does not match/);
    const ok = await send(twilioSignature(TWILIO_TOKEN, url, form));
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/xml/);
    expect(ok.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect((await send(twilioSignature(TWILIO_TOKEN, url, form))).statusCode).toBe(200);
    const stored = (await messages()).filter((m) => m.provider_id === 'SM0001');
    expect(stored).toMatchObject([{ phone: '+22376000003', body: 'add.234567.1234 5678 901' }]);
    // A JSON body to a Twilio interface is not signed form fields.
    expect((await post(twilio, { from: '+1', text: 'x' }, { 'x-twilio-signature': 'x' })).statusCode).toBe(
      403,
    );
  });

  it('refuses what is not a message naming the field, and unknown interfaces alike', async () => {
    const bearer = { authorization: `Bearer ${HOOK_SECRET}` };
    const before = (await messages()).length;
    for (const [body, message] of [
      [{ text: 'bal' }, /body\.from/],
      [{ from: '', text: 'bal' }, /body\.from/],
      [{ from: '+1\n2', text: 'bal' }, /body\.from/],
      [{ from: '+1', text: 'x'.repeat(1601) }, /body\.text must be text of at most 1600/],
      [{ from: '+1' }, /body\.text/],
      [{ from: '+1', text: 'x', id: 7 }, /body\.id/],
    ] as const) {
      const res = await post(hook, body, bearer);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.data.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await messages()).length).toBe(before);
    expect((await post(99_999, { from: '+1', text: 'x' }, bearer)).statusCode).toBe(404);
    expect((await post(hook, 'not json', { ...bearer, 'content-type': 'text/plain' })).statusCode).toBe(415);
    // An interface whose secret this server does not hold takes nothing; an inactive one is not found.
    const unset = await addInterface({
      name: 'unset',
      kind: 'http',
      base_url: 'http://x.example',
      secret_env: 'SMS_SECRET_UNSET',
    });
    const res = await post(unset.data.communication_interface_id, { from: '+1', text: 'x' }, bearer);
    expect(res.statusCode).toBe(403);
    expect(res.data.error.message).toMatch(/SMS_SECRET_UNSET is not set on this server/);
    await call(api.app, 'PUT', `${BASE}/interfaces`, {
      token: t.p.tokens.operator,
      body: { name: 'hook', status: 'inactive' },
    });
    expect((await post(hook, { from: '+1', text: 'x' }, bearer)).statusCode).toBe(404);
  });
});
