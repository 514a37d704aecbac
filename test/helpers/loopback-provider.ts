import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in SMS provider on 127.0.0.1: a real HTTP server that records every request and
 * answers as the provider it plays would, or as the test scripts it to (fail, refuse,
 * answer late). Flavours:
 * - twilio: POST /2010-04-01/Accounts/{sid}/Messages.json → 201 `{ sid, status }`;
 *   GET .../Messages/{sid}.json → 200 `{ sid, status, error_code, error_message }`;
 *   errors as Twilio writes them, `{ code, message, more_info, status }`.
 * - kannel: GET /cgi-bin/sendsms → 202 `0: Accepted for delivery`; a wrong user or
 *   password → 403 `Authorization failed`.
 * - webhook: POST anywhere → 200 `{ id }`.
 * A delivery is a send the provider took (answered 2xx, counted when it arrives, even if
 * the answer comes too late for the client). With `dedupe`, a send whose Idempotency-Key
 * was seen is answered as the first was and is no new delivery.
 */
export type Flavour = 'twilio' | 'kannel' | 'webhook';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** A form or JSON body, decoded; null for none or any other. */
  readonly body: Readonly<Record<string, unknown>> | null;
}

/** One scripted answer; what it leaves out is the flavour's success. */
export interface Step {
  readonly status?: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Answer this late; the request is recorded (and delivered) at once. */
  readonly delayMs?: number;
}

export interface ProviderOptions {
  /** Count one delivery per Idempotency-Key. @defaultValue false */
  readonly dedupe?: boolean;
  /** twilio: the account SID and auth token to require; kannel: the username and password. */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** webhook: the bearer token to require. */
  readonly bearer?: string;
}

export interface LoopbackProvider {
  /** http://127.0.0.1:port, without a trailing slash. */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  readonly deliveries: readonly RecordedRequest[];
  /** Answers to the next requests, one each, in order; after them, the flavour's success. */
  script(...steps: readonly Step[]): void;
  /** twilio: what GET Messages/{sid}.json says of `sid`. @defaultValue delivered */
  setStatus(sid: string, status: string, errorCode?: number, errorMessage?: string): void;
  close(): Promise<void>;
}

/** The same failure `times` times. */
export const failing = (status: number, times: number, body = 'failed'): Step[] =>
  Array.from({ length: times }, () => ({ status, body }));

export const twilioError = (status: number, code: number, message: string): Step => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
});

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

const json = (status: number, value: unknown): Answer => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json' },
});
const text = (status: number, body: string): Answer => ({
  status,
  body,
  headers: { 'content-type': 'text/plain' },
});

export async function startLoopbackProvider(
  flavour: Flavour,
  options: ProviderOptions = {},
): Promise<LoopbackProvider> {
  const requests: RecordedRequest[] = [];
  const deliveries: RecordedRequest[] = [];
  const steps: Step[] = [];
  const answered = new Map<string, Answer>();
  const statuses = new Map<string, { status: string; code: number | null; message: string | null }>();
  const timers = new Set<NodeJS.Timeout>();
  let sent = 0;

  /** The flavour's own answer: a refusal of bad credentials, a status, or a new message. */
  function own(r: RecordedRequest): Answer | 'send' {
    const c = options.credentials;
    if (flavour === 'twilio') {
      const expected = c && `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
      if (expected && r.headers.authorization !== expected) return twilioAnswer(401, 20003, 'Authenticate');
      const status = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/.exec(r.path);
      if (r.method === 'GET' && status) {
        const s = statuses.get(status[2]!) ?? { status: 'delivered', code: null, message: null };
        return json(200, { sid: status[2], status: s.status, error_code: s.code, error_message: s.message });
      }
      if (r.method === 'POST' && /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(r.path))
        return 'send';
      return twilioAnswer(404, 20404, `The requested resource ${r.path} was not found`);
    }
    if (flavour === 'kannel') {
      if (r.method !== 'GET' || r.path !== '/cgi-bin/sendsms') return text(404, 'Not found');
      if (c && (r.query['username'] !== c.user || r.query['password'] !== c.password)) {
        return text(403, 'Authorization failed for sendsms');
      }
      return 'send';
    }
    if (options.bearer && r.headers.authorization !== `Bearer ${options.bearer}`) {
      return json(401, { error: 'bad token' });
    }
    return r.method === 'POST' ? 'send' : json(405, { error: 'POST only' });
  }

  function success(): Answer {
    sent++;
    if (flavour === 'twilio') {
      const sid = `SM${sent.toString(16).padStart(32, '0')}`;
      return json(201, { sid, status: 'queued' });
    }
    if (flavour === 'kannel') return text(202, '0: Accepted for delivery');
    return json(200, { id: `wh-${sent}` });
  }

  /** The answer to a request, and how late to give it. */
  function answerFor(r: RecordedRequest): readonly [Answer, number] {
    const mine = own(r);
    if (mine !== 'send') return [mine, 0];
    const step = steps.shift() ?? {};
    const delay = step.delayMs ?? 0;
    const scripted = (status: number): Answer => ({
      status,
      body: step.body ?? '',
      headers: step.headers ?? {},
    });
    if (step.status !== undefined && (step.status < 200 || step.status >= 300))
      return [scripted(step.status), delay];
    const key = r.headers['idempotency-key'];
    const seen = options.dedupe && typeof key === 'string' ? answered.get(key) : undefined;
    if (seen) return [seen, delay];
    deliveries.push(r);
    const ok = step.status !== undefined ? scripted(step.status) : success();
    if (options.dedupe && typeof key === 'string') answered.set(key, ok);
    return [ok, delay];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: decode(req.headers['content-type'] ?? '', raw),
    };
    requests.push(record);
    const [answer, delay] = answerFor(record);
    const reply = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    };
    if (delay <= 0) return reply();
    const timer = setTimeout(() => {
      timers.delete(timer);
      reply();
    }, delay);
    timers.add(timer);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    deliveries,
    script: (...more) => {
      steps.push(...more);
    },
    setStatus: (sid, status, errorCode, errorMessage) => {
      statuses.set(sid, { status, code: errorCode ?? null, message: errorMessage ?? null });
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A loopback URL where nothing listens: a port just freed. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function twilioAnswer(status: number, code: number, message: string): Answer {
  const step = twilioError(status, code, message);
  return { status, body: step.body!, headers: step.headers! };
}

function decode(contentType: string, raw: string): Record<string, unknown> | null {
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  if (contentType.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  return null;
}
