import { Queue } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import { SmsWorker, type SmsWorkerOptions } from '../../workers/sms/sms-worker.js';
import { smsQueueName } from '../../workers/sms/sms-queue.js';
import {
  type LoopbackProvider,
  type ProviderOptions,
  startLoopbackProvider,
} from '../helpers/loopback-provider.js';
import { waitFor } from '../helpers/market.js';
import { redisUrl } from '../helpers/server-url.js';
import { type Gateway, useGateway } from './gateway-fixture.js';
import { type Api, call, type People } from './helpers.js';

/**
 * The gateway over SMS for one test file: the gateway fixture (a field meter, a customer
 * with phone CUSTOMER and circuit 234567, another customer with circuit 765432), a loopback
 * webhook provider behind an `http` interface, the meter taking its jobs by SMS from METER
 * with its customer's circuit at CID, and (unless `worker: false`) an SMS worker acting on
 * what comes in. Helpers text TESS through the webhook and read what it answered.
 */

export const SMS_KEY = 'k'.repeat(32);
export const CUSTOMER = '+22300000001';
export const METER = '+22399000000';
export const CID = '192.168.1.201';
export const BASE = '/api/v1/gateway';

export interface Reply {
  readonly to: string;
  readonly text: string;
}

export interface Said {
  readonly messageId: number;
  readonly state: string;
  readonly detail: string;
  /** What the provider delivered for each reply, in the order the replies were queued. */
  readonly replies: readonly Reply[];
}

export interface SmsGateway {
  readonly api: Api;
  readonly p: People;
  readonly g: Gateway;
  readonly secret: string;
  readonly provider: LoopbackProvider;
  /** Undefined with `worker: false`. */
  readonly worker: SmsWorker | undefined;
  readonly iface: number;
  /** Posts a message to the webhook as the provider would; the raw answer. */
  post(from: string, text: string): ReturnType<typeof call>;
  /** Texts TESS from `from`, and waits for the message to be acted on. */
  text(from: string, body: string): Promise<{ messageId: number; state: string; detail: string }>;
  /** Texts TESS, waits for it to be acted on and for every reply it queued to be delivered. */
  say(from: string, body: string): Promise<Said>;
  /** The texts the provider delivered to `to` since `from` (an index into its deliveries), once `count` are there. */
  textsTo(to: string, count: number, from?: number): Promise<string[]>;
}

export interface SmsGatewayOptions {
  /** The interface's name; its secret is SMS_SECRET_<NAME>. */
  readonly name: string;
  readonly provider?: Omit<ProviderOptions, 'bearer'>;
  /** Options of the SMS worker over the defaults below, or false to run none. */
  readonly worker?: Partial<Omit<SmsWorkerOptions, 'db' | 'redisUrl' | 'log'>> | false;
  readonly env?: Record<string, string>;
}

export function useSmsGateway(options: SmsGatewayOptions): SmsGateway {
  const secretEnv = `SMS_SECRET_${options.name.toUpperCase().replace(/-/g, '_')}`;
  const secret = `${options.name}-secret`;
  const t = useGateway({ env: { [secretEnv]: secret, CREDIT_TOKEN_KEY: SMS_KEY, ...options.env } });
  const api = t.api;
  const ref = { api, secret } as {
    -readonly [K in keyof SmsGateway]: SmsGateway[K];
  };
  Object.defineProperty(ref, 'p', { get: () => t.p });
  Object.defineProperty(ref, 'g', { get: () => t.g });

  beforeAll(async () => {
    ref.provider = await startLoopbackProvider('webhook', { ...options.provider, bearer: secret });
    const added = await call(api.app, 'POST', `${BASE}/interfaces`, {
      token: t.p.tokens.operator,
      body: { name: options.name, kind: 'http', base_url: `${ref.provider.url}/send`, secret_env: secretEnv },
    });
    expect(added.statusCode, added.body).toBe(201);
    ref.iface = added.data.communication_interface_id;
    // The meter takes its jobs by SMS; its customer's circuit has an address.
    await api.db.field_meter.set({
      system_id: t.g.meter.system_id,
      name: t.g.meter.name,
      phone: METER,
      communication_interface: options.name,
    });
    await api.db.circuit.set({ system_id: t.g.circuit.system_id, pin: '234567', ip_address: CID });
    if (options.worker !== false) {
      ref.worker = await SmsWorker.start({
        db: api.db,
        redisUrl: redisUrl(),
        log: pino({ level: 'silent' }),
        prefix: 'tess',
        secrets: { [secretEnv]: secret },
        creditTokenKey: SMS_KEY,
        retry: { backoffMs: 10, maxBackoffMs: 20, timeoutMs: 2_000 },
        sweepMs: 500,
        ...options.worker,
      });
    }
  });
  afterAll(async () => {
    await ref.worker?.close();
    await ref.provider?.close();
    // What the webhook queued for no worker, or left behind, goes with the file's database.
    if (api.db) {
      const queue = new Queue(smsQueueName(await api.db.identity()), {
        connection: api.redis,
        prefix: 'tess',
      });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  ref.post = (from, text) =>
    call(api.app, 'POST', `${BASE}/sms/${ref.iface}`, {
      body: { from, text },
      headers: { authorization: `Bearer ${secret}` },
    });

  /** The current version of the message whose unique id is the one of `messageId`. */
  const current = async (messageId: number) => {
    const { rows } = await api.db.sql.query(
      `SELECT unique_id, state, coalesce(detail, '') AS detail FROM gateway.message
       WHERE unique_id = (SELECT unique_id FROM gateway.message WHERE message_id = $1)
       ORDER BY created DESC, message_id DESC LIMIT 1`,
      [messageId],
    );
    return rows[0] as { unique_id: string; state: string; detail: string };
  };

  ref.text = async (from, body) => {
    const res = await ref.post(from, body);
    expect(res.statusCode, res.body).toBe(200);
    const messageId: number = res.data.message_id;
    const row = await waitFor('the message acted on', async () => {
      const r = await current(messageId);
      return r.state !== 'received' && r;
    });
    return { messageId, state: row.state, detail: row.detail };
  };

  ref.say = async (from, body) => {
    const acted = await ref.text(from, body);
    const { unique_id } = await current(acted.messageId);
    // Replies are queued in the transaction that marked the message: all are there now.
    const { rows: replies } = await api.db.sql.query(
      `SELECT DISTINCT ON (unique_id) unique_id, phone FROM gateway.message
       WHERE kind = 'outgoing' AND unique_id LIKE $1 ESCAPE '!' ORDER BY unique_id, created DESC`,
      [`reply:${unique_id.replace(/[!%_]/g, '!$&')}:%`],
    );
    replies.sort((a, b) => Number(a.unique_id.split(':').at(-1)) - Number(b.unique_id.split(':').at(-1)));
    const delivered = (key: string) =>
      ref.provider.deliveries.find((d) => d.headers['idempotency-key'] === key);
    await waitFor(`${replies.length} replies delivered`, async () =>
      replies.every((r) => delivered(r.unique_id)),
    );
    return {
      ...acted,
      replies: replies.map((r) => {
        const d = delivered(r.unique_id)!;
        expect(d.body?.['to']).toBe(r.phone);
        return { to: String(d.body?.['to']), text: String(d.body?.['text']) };
      }),
    };
  };

  ref.textsTo = async (to, count, from = 0) => {
    const texts = () =>
      ref.provider.deliveries
        .slice(from)
        .filter((d) => d.body?.['to'] === to)
        .map((d) => String(d.body?.['text']));
    await waitFor(`${count} texts to ${to}`, async () => texts().length >= count);
    return texts();
  };

  return ref as SmsGateway;
}
