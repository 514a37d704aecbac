import { afterEach, describe, expect, it } from 'vitest';
import { isTessError } from '../../engine/errors.js';
import {
  deadline,
  type InterfaceFields,
  type OutboundSms,
  parseInterfaceSettings,
  type SendAttempt,
  type SendOutcome,
  type SmsSender,
  senderFor,
  sendWithRetry,
} from '../../workers/sms/senders/index.js';
import {
  type Flavour,
  failing,
  type LoopbackProvider,
  type ProviderOptions,
  refusingUrl,
  startLoopbackProvider,
  twilioError,
} from '../helpers/loopback-provider.js';

const ACCOUNT = `AC${'a1'.repeat(16)}`;
const SERVICE = `MG${'b2'.repeat(16)}`;
const TOKEN = 'twilio-auth-token';
/** ç and ô are outside the GSM basic set: the text must travel as UTF-8 and go out as UCS-2. */
const FRENCH = 'Crédit reçu : 5 kWh. Solde 1 250 FCFA. À bientôt, côté énergie ✓';
const sms = (key = 'msg-1', text = FRENCH): OutboundSms => ({ to: '+22370000001', text, key });

const open: LoopbackProvider[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});
async function provider(flavour: Flavour, options?: ProviderOptions): Promise<LoopbackProvider> {
  const p = await startLoopbackProvider(flavour, options);
  open.push(p);
  return p;
}

/** One send under a deadline, as sendWithRetry gives each attempt. */
async function sendOnce(sender: SmsSender, message = sms(), ms = 5_000): Promise<SendOutcome> {
  const limit = deadline(ms);
  try {
    return await sender.send(message, limit.signal);
  } finally {
    limit.clear();
  }
}

const twilio = (p: LoopbackProvider, fields: InterfaceFields = {}, secret: string | undefined = TOKEN) =>
  senderFor(
    parseInterfaceSettings('twilio', {
      base_url: p.url,
      account: ACCOUNT,
      sender: '+15005550006',
      ...fields,
    }),
    secret,
  );
const kannel = (p: LoopbackProvider, fields: InterfaceFields = {}, secret = 'kannel-pass') =>
  senderFor(parseInterfaceSettings('kannel', { base_url: p.url, account: 'tess', ...fields }), secret);
const webhook = (p: LoopbackProvider, secret?: string) =>
  senderFor(parseInterfaceSettings('http', { base_url: `${p.url}/sms/out` }), secret);

/** No wait between attempts: a test sees the schedule through the sleeps it records. */
const instant = (sleeps: number[]) => async (ms: number) => {
  sleeps.push(ms);
};

describe('twilio', () => {
  it('posts the message form to the account Messages resource with basic auth and returns the sid', async () => {
    const p = await provider('twilio', { credentials: { user: ACCOUNT, password: TOKEN } });
    const outcome = await sendOnce(twilio(p));
    expect(outcome).toEqual({ ok: true, providerId: `SM${'0'.repeat(31)}1`, httpStatus: 201 });
    expect(Object.isFrozen(outcome)).toBe(true);
    expect(p.requests).toHaveLength(1);
    const r = p.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`);
    expect(r.headers['idempotency-key']).toBe('msg-1');
    expect(r.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(r.body).toEqual({ To: '+22370000001', From: '+15005550006', Body: FRENCH });
  });

  it('sends from a messaging service when the sender is one, and passes the status callback', async () => {
    const p = await provider('twilio');
    const sender = twilio(p, { sender: SERVICE, status_callback: 'https://tess.example/sms/status' });
    expect((await sendOnce(sender)).ok).toBe(true);
    expect(p.requests[0]!.body).toEqual({
      To: '+22370000001',
      Body: FRENCH,
      MessagingServiceSid: SERVICE,
      StatusCallback: 'https://tess.example/sms/status',
    });
  });

  it("reads a message's delivery status, with Twilio's error for a failed one", async () => {
    const p = await provider('twilio', { credentials: { user: ACCOUNT, password: TOKEN } });
    const sender = twilio(p);
    const first = await sendOnce(sender, sms('a'));
    const second = await sendOnce(sender, sms('b'));
    if (!first.ok || !second.ok) throw new Error('not sent');
    p.setStatus(second.providerId!, 'undelivered', 30003, 'Unreachable destination handset');
    const limit = deadline(5_000);
    try {
      expect(await sender.deliveryStatus!(first.providerId!, limit.signal)).toEqual({
        ok: true,
        state: 'delivered',
        providerStatus: 'delivered',
        detail: null,
        httpStatus: 200,
      });
      expect(await sender.deliveryStatus!(second.providerId!, limit.signal)).toMatchObject({
        ok: true,
        state: 'failed',
        providerStatus: 'undelivered',
        detail: '30003 Unreachable destination handset',
      });
      const get = p.requests[2]!;
      expect(get.method).toBe('GET');
      expect(get.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages/${first.providerId}.json`);
      expect(await sender.deliveryStatus!('../../Calls', limit.signal)).toMatchObject({
        ok: false,
        retry: false,
      });
      expect(p.requests).toHaveLength(4);
    } finally {
      limit.clear();
    }
  });

  it("refuses for good with Twilio's code and message as the reason", async () => {
    const p = await provider('twilio');
    p.script(twilioError(400, 21211, "The 'To' number +22370000001 is not a valid phone number."));
    expect(await sendOnce(twilio(p))).toEqual({
      ok: false,
      retry: false,
      reason: "HTTP 400: 21211 The 'To' number +22370000001 is not a valid phone number.",
      httpStatus: 400,
    });
  });

  it('refuses for good on wrong credentials, without repeating the secret', async () => {
    const p = await provider('twilio', { credentials: { user: ACCOUNT, password: TOKEN } });
    const outcome = await sendOnce(twilio(p, {}, 'wrong-token'));
    expect(outcome).toEqual({
      ok: false,
      retry: false,
      reason: 'HTTP 401: 20003 Authenticate',
      httpStatus: 401,
    });
  });
});

describe('kannel', () => {
  it('sends one GET to sendsms with the credentials and the text as UTF-8 in UCS-2', async () => {
    const p = await provider('kannel', { credentials: { user: 'tess', password: 'kannel-pass' } });
    const outcome = await sendOnce(kannel(p, { sender: '5050', smsc: 'orange' }));
    expect(outcome).toEqual({ ok: true, providerId: null, httpStatus: 202 });
    const r = p.requests[0]!;
    expect(r.method).toBe('GET');
    expect(r.path).toBe('/cgi-bin/sendsms');
    expect(r.query).toEqual({
      username: 'tess',
      password: 'kannel-pass',
      to: '+22370000001',
      text: FRENCH,
      charset: 'UTF-8',
      coding: '2',
      from: '5050',
      smsc: 'orange',
    });
  });

  it('leaves text of the GSM alphabet in 7 bits, and asks for delivery reports keyed by our message', async () => {
    const p = await provider('kannel');
    const sender = kannel(p, { dlr_url: 'https://tess.example/sms/kannel/dlr?key={key}&type=%d' });
    await sendOnce(sender, sms('msg/7 é', 'Solde épuisé: rechargez'));
    const q = p.requests[0]!.query;
    expect(q['coding']).toBeUndefined();
    expect(q['text']).toBe('Solde épuisé: rechargez');
    expect(q['dlr-mask']).toBe('19');
    expect(q['dlr-url']).toBe('https://tess.example/sms/kannel/dlr?key=msg%2F7%20%C3%A9&type=%d');
  });

  it('takes "queued for later delivery" as sent, and a refusal as final', async () => {
    const p = await provider('kannel', { credentials: { user: 'tess', password: 'kannel-pass' } });
    p.script({ status: 202, body: '3: Queued for later delivery' });
    expect(await sendOnce(kannel(p))).toEqual({ ok: true, providerId: null, httpStatus: 202 });
    const refused = await sendOnce(kannel(p, {}, 'not-the-password'));
    expect(refused).toEqual({
      ok: false,
      retry: false,
      reason: 'HTTP 403: Authorization failed for sendsms',
      httpStatus: 403,
    });
    p.script({ status: 503, body: 'Temporal failure, try again later.' });
    expect(await sendOnce(kannel(p))).toMatchObject({ ok: false, retry: true, httpStatus: 503 });
  });
});

describe('http webhook', () => {
  it('posts the message as JSON with a bearer token and the idempotency key, and returns its id', async () => {
    const p = await provider('webhook', { bearer: 'hook-token' });
    expect(await sendOnce(webhook(p, 'hook-token'))).toEqual({
      ok: true,
      providerId: 'wh-1',
      httpStatus: 200,
    });
    const r = p.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/sms/out');
    expect(r.headers.authorization).toBe('Bearer hook-token');
    expect(r.headers['idempotency-key']).toBe('msg-1');
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).toEqual({ to: '+22370000001', text: FRENCH, key: 'msg-1' });
  });

  it('sends no authorization without a secret, and takes a 2xx without an id', async () => {
    const p = await provider('webhook');
    p.script({ status: 202, body: 'accepted' });
    expect(await sendOnce(webhook(p))).toEqual({ ok: true, providerId: null, httpStatus: 202 });
    expect(p.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe('log', () => {
  it('sends nothing and succeeds with log:<key>', async () => {
    const sender = senderFor(parseInterfaceSettings('log', {}), undefined);
    expect(await sendOnce(sender, sms('m-42'))).toEqual({
      ok: true,
      providerId: 'log:m-42',
      httpStatus: null,
    });
  });
});

describe('classification', () => {
  const cases = [
    { answer: { status: 500, body: 'boom' }, retry: true, reason: 'HTTP 500: boom' },
    { answer: { status: 503, body: '' }, retry: true, reason: 'HTTP 503' },
    { answer: { status: 429, body: '{"error":"slow down"}' }, retry: true, reason: 'HTTP 429: slow down' },
    { answer: { status: 408, body: 'request timeout' }, retry: true, reason: 'HTTP 408: request timeout' },
    {
      answer: { status: 400, body: '{"message":"bad number"}' },
      retry: false,
      reason: 'HTTP 400: bad number',
    },
    { answer: { status: 401, body: 'no\n\tentry' }, retry: false, reason: 'HTTP 401: no entry' },
    { answer: { status: 404, body: 'Not Found' }, retry: false, reason: 'HTTP 404: Not Found' },
    {
      answer: { status: 302, body: '', headers: { location: 'https://elsewhere.example/' } },
      retry: false,
      reason: 'HTTP 302: redirected to https://elsewhere.example/',
    },
  ] as const;
  for (const c of cases) {
    it(`HTTP ${c.answer.status}: ${c.retry ? 'retry' : 'no retry'}`, async () => {
      const p = await provider('webhook');
      p.script(c.answer);
      expect(await sendOnce(webhook(p))).toEqual({
        ok: false,
        retry: c.retry,
        reason: c.reason,
        httpStatus: c.answer.status,
      });
    });
  }

  it('an answer later than the deadline: retry, no status', async () => {
    const p = await provider('webhook');
    p.script({ delayMs: 2_000 });
    expect(await sendOnce(webhook(p), sms(), 100)).toEqual({
      ok: false,
      retry: true,
      reason: 'timed out after 100 ms',
      httpStatus: null,
    });
  });

  it('a refused connection: retry, no status', async () => {
    const sender = senderFor(parseInterfaceSettings('http', { base_url: await refusingUrl() }), undefined);
    const outcome = await sendOnce(sender);
    expect(outcome).toMatchObject({ ok: false, retry: true, httpStatus: null });
    expect(!outcome.ok && outcome.reason).toMatch(/^no answer: .*ECONNREFUSED/);
  });

  it('bounds the reason, and reads no more of an answer than it needs', async () => {
    const p = await provider('webhook');
    p.script(
      { status: 400, body: 'x'.repeat(100_000) },
      { status: 200, body: JSON.stringify({ id: 'big', pad: 'y'.repeat(1_000_000) }) },
    );
    const refused = await sendOnce(webhook(p));
    expect(!refused.ok && refused.reason.length).toBe(300);
    // Past 64 KiB the JSON is cut: the message was accepted, its id is not known.
    expect(await sendOnce(webhook(p))).toEqual({ ok: true, providerId: null, httpStatus: 200 });
  });
});

describe('sendWithRetry', () => {
  /** A clock that moves one second each time it is read. */
  const ticking = () => {
    let t = Date.UTC(2026, 0, 1);
    return () => {
      t += 1_000;
      return new Date(t);
    };
  };

  it('retries a provider failing twice, records each attempt before waiting, and delivers once', async () => {
    const p = await provider('webhook', { dedupe: true });
    p.script(...failing(500, 1), { status: 503, body: 'busy' });
    const events: string[] = [];
    const records: SendAttempt[] = [];
    const result = await sendWithRetry(
      webhook(p),
      sms(),
      {
        backoffMs: 100,
        now: ticking(),
        random: () => 0.5,
        sleep: async (ms) => {
          events.push(`sleep ${ms}`);
        },
      },
      async (a) => {
        events.push(`record ${a.attempt}`);
        records.push(a);
      },
    );
    expect(result).toEqual({ outcome: { ok: true, providerId: 'wh-1', httpStatus: 200 }, attempts: 3 });
    expect(events).toEqual(['record 1', 'sleep 50', 'record 2', 'sleep 100', 'record 3']);
    expect(records.map((r) => [r.attempt, r.outcome.ok, r.outcome.httpStatus])).toEqual([
      [1, false, 500],
      [2, false, 503],
      [3, true, 200],
    ]);
    expect(records.map((r) => [r.startedAt.toISOString(), r.endedAt.toISOString()])).toEqual([
      ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z'],
      ['2026-01-01T00:00:03.000Z', '2026-01-01T00:00:04.000Z'],
      ['2026-01-01T00:00:05.000Z', '2026-01-01T00:00:06.000Z'],
    ]);
    expect(records.every((r) => Object.isFrozen(r))).toBe(true);
    expect(p.requests.map((r) => r.headers['idempotency-key'])).toEqual(['msg-1', 'msg-1', 'msg-1']);
    expect(p.deliveries).toHaveLength(1);
  });

  it('waits for a slow provider within the deadline: one request, no retry', async () => {
    const p = await provider('webhook', { dedupe: true });
    p.script({ delayMs: 150 });
    const records: SendAttempt[] = [];
    const result = await sendWithRetry(webhook(p), sms(), { timeoutMs: 5_000 }, (a) => {
      records.push(a);
    });
    expect(result).toEqual({ outcome: { ok: true, providerId: 'wh-1', httpStatus: 200 }, attempts: 1 });
    expect(records).toHaveLength(1);
    expect(p.requests).toHaveLength(1);
  });

  it('retries a provider slower than the deadline with the same key, and it delivers once', async () => {
    const p = await provider('webhook', { dedupe: true });
    p.script({ delayMs: 2_000 });
    const records: SendAttempt[] = [];
    const sleeps: number[] = [];
    const result = await sendWithRetry(
      webhook(p),
      sms('msg-slow'),
      { timeoutMs: 100, sleep: instant(sleeps) },
      (a) => {
        records.push(a);
      },
    );
    expect(records.map((r) => r.outcome)).toEqual([
      { ok: false, retry: true, reason: 'timed out after 100 ms', httpStatus: null },
      { ok: true, providerId: 'wh-1', httpStatus: 200 },
    ]);
    expect(result.attempts).toBe(2);
    expect(p.requests.map((r) => r.headers['idempotency-key'])).toEqual(['msg-slow', 'msg-slow']);
    expect(p.deliveries).toHaveLength(1);
  });

  it('stops at a permanent refusal: one attempt, no wait', async () => {
    const p = await provider('twilio');
    p.script(twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
    const records: SendAttempt[] = [];
    const sleeps: number[] = [];
    const result = await sendWithRetry(twilio(p), sms(), { sleep: instant(sleeps) }, (a) => {
      records.push(a);
    });
    expect(result).toEqual({
      outcome: {
        ok: false,
        retry: false,
        reason: 'HTTP 400: 21610 Attempt to send to unsubscribed recipient',
        httpStatus: 400,
      },
      attempts: 1,
    });
    expect(records).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('gives up after exactly `attempts`, the waits doubling up to the cap', async () => {
    const p = await provider('webhook');
    p.script(...failing(500, 10, 'down'));
    const records: SendAttempt[] = [];
    const sleeps: number[] = [];
    const result = await sendWithRetry(
      webhook(p),
      sms(),
      { attempts: 5, backoffMs: 1_000, maxBackoffMs: 3_000, random: () => 0.999, sleep: instant(sleeps) },
      (a) => {
        records.push(a);
      },
    );
    expect(result).toEqual({
      outcome: { ok: false, retry: true, reason: 'HTTP 500: down', httpStatus: 500 },
      attempts: 5,
    });
    expect(records.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(sleeps).toEqual([999, 1998, 2997, 2997]);
    expect(p.requests).toHaveLength(5);
  });

  it('stops between attempts once the caller aborts, and starts none after', async () => {
    const p = await provider('webhook');
    p.script(...failing(503, 10));
    const controller = new AbortController();
    const records: SendAttempt[] = [];
    const result = await sendWithRetry(
      webhook(p),
      sms(),
      {
        signal: controller.signal,
        sleep: async (_ms, signal) => {
          controller.abort();
          signal?.throwIfAborted();
        },
      },
      (a) => {
        records.push(a);
      },
    );
    expect(result.attempts).toBe(1);
    expect(records).toHaveLength(1);
    expect(p.requests).toHaveLength(1);

    const before = await sendWithRetry(webhook(p), sms(), { signal: AbortSignal.abort() }, () => {
      throw new Error('no attempt to record');
    });
    expect(before).toMatchObject({ attempts: 0, outcome: { ok: false, retry: true } });
    expect(p.requests).toHaveLength(1);
  });

  it('waits on a real timer by default', async () => {
    const p = await provider('webhook');
    p.script(...failing(500, 1));
    const started = Date.now();
    const result = await sendWithRetry(webhook(p), sms(), { backoffMs: 60, random: () => 1 }, () => {});
    expect(result.attempts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('refuses options out of range, naming them', async () => {
    const run = (options: Parameters<typeof sendWithRetry>[2]) =>
      sendWithRetry(senderFor(parseInterfaceSettings('log', {}), undefined), sms(), options, () => {});
    await expect(run({ attempts: 0 })).rejects.toThrow('attempts: must be an integer from 1 to 20');
    await expect(run({ timeoutMs: Number.NaN })).rejects.toThrow('timeoutMs: must be an integer');
    await expect(run({ backoffMs: -1 })).rejects.toThrow('backoffMs: must be an integer');
  });
});

describe('interface settings', () => {
  const refusals: readonly [string, InterfaceFields, string][] = [
    ['sms', {}, 'kind: must be one of twilio, kannel, http, log'],
    ['twilio', { sender: '+1500' }, 'account: required'],
    ['twilio', { account: 'AC123', sender: '+1500' }, 'account: must be AC followed by 32 hex digits'],
    ['twilio', { account: ACCOUNT }, 'sender: required'],
    ['twilio', { account: ACCOUNT, sender: '+1500\n' }, 'sender: must not hold control characters'],
    ['twilio', { account: ACCOUNT, sender: 'x'.repeat(65) }, 'sender: at most 64 characters'],
    [
      'twilio',
      { account: ACCOUNT, sender: '+1', base_url: 'ftp://x' },
      'base_url: must be an http or https URL',
    ],
    ['twilio', { account: ACCOUNT, sender: '+1', base_url: 'not a url' }, 'base_url: not a URL'],
    [
      'twilio',
      { account: ACCOUNT, sender: '+1', base_url: 'https://AC:token@api.twilio.com' },
      'base_url: must not hold credentials',
    ],
    [
      'twilio',
      { account: ACCOUNT, sender: '+1', status_callback: 'javascript:x' },
      'status_callback: must be an http',
    ],
    ['kannel', { account: 'tess' }, 'base_url: required'],
    [
      'kannel',
      { base_url: 'http://k:13013/?x=1', account: 'tess' },
      'base_url: must not have a query or fragment',
    ],
    [
      'kannel',
      { base_url: `http://k/${'p'.repeat(2000)}`, account: 'tess' },
      'base_url: at most 2000 characters',
    ],
    ['kannel', { base_url: 'http://k:13013' }, 'account: required'],
    [
      'kannel',
      { base_url: 'http://k', account: 'tess', dlr_url: 'http://t/dlr?t=%d' },
      'dlr_url: must contain {key}',
    ],
    [
      'kannel',
      { base_url: 'http://k', account: 'tess', dlr_mask: 40 },
      'dlr_mask: must be an integer from 1 to 31',
    ],
    ['http', {}, 'base_url: required'],
    ['http', { base_url: 42 as unknown as string }, 'base_url: must be a non-empty string'],
  ];
  for (const [kind, fields, message] of refusals) {
    it(`${kind} ${JSON.stringify(fields).slice(0, 60)}: ${message}`, () => {
      let error: unknown;
      try {
        parseInterfaceSettings(kind, fields);
      } catch (e) {
        error = e;
      }
      expect(isTessError(error) && error.code).toBe('INVALID');
      expect((error as Error).message.startsWith(message)).toBe(true);
    });
  }

  it('reads a row as it is: frozen, defaults filled, nulls as absent', () => {
    const row = {
      name: 'main',
      kind: 'twilio',
      base_url: null,
      account: ACCOUNT,
      sender: SERVICE,
      secret_env: 'X',
    };
    const settings = parseInterfaceSettings(row.kind, row);
    expect(settings).toEqual({
      kind: 'twilio',
      baseUrl: 'https://api.twilio.com',
      accountSid: ACCOUNT,
      from: null,
      messagingServiceSid: SERVICE,
      statusCallback: null,
    });
    expect(Object.isFrozen(settings)).toBe(true);
    expect(parseInterfaceSettings('kannel', { base_url: 'http://k:13013//', account: 'tess' })).toMatchObject(
      {
        baseUrl: 'http://k:13013',
        from: null,
        dlrUrl: null,
        dlrMask: 19,
      },
    );
  });

  it('needs the secret of the kinds that cannot work without one', () => {
    const twilioSettings = parseInterfaceSettings('twilio', { account: ACCOUNT, sender: '+1500' });
    expect(() => senderFor(twilioSettings, undefined)).toThrow(/^secret: /);
    const kannelSettings = parseInterfaceSettings('kannel', { base_url: 'http://k', account: 'tess' });
    expect(() => senderFor(kannelSettings, '')).toThrow(/^secret: /);
    expect(senderFor(parseInterfaceSettings('http', { base_url: 'http://h' }), undefined).kind).toBe('http');
  });
});
