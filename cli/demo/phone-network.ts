import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo village's phone network: an SMS provider on 127.0.0.1 that TESS reaches
 * through an `http` communication interface (its JSON webhook: POST `{to, text, key}`
 * with the interface's bearer secret), and that delivers each text to the simulated phone
 * of its number. Phones text TESS through the interface's inbound webhook, as a provider
 * posts what it received. A send is delivered once per idempotency key, as a provider that
 * honours the key would: TESS retries with the same key after a timeout.
 */

/** What a simulated phone does with a text it receives. */
export type Handset = (text: string) => void | Promise<void>;

export interface PhoneNetworkCounts {
  /** Texts phones sent to TESS that its webhook took. */
  readonly toTess: number;
  /** Texts TESS sent that the network delivered. */
  readonly fromTess: number;
  /** Texts from phones the webhook refused, or TESS's texts to numbers of no phone here. */
  readonly lost: number;
}

export interface PhoneNetwork {
  /** The webhook TESS sends to (the interface's base_url). */
  readonly url: string;
  /** Gives `number` a phone; what TESS sends it is handed to `handset`, one text at a time. */
  attach(number: string, handset: Handset): void;
  /** Points the network at TESS's inbound webhook for the interface. */
  connect(webhook: string): void;
  /** Texts TESS from `number`: true when the webhook took it. */
  text(number: string, body: string): Promise<boolean>;
  counts(): PhoneNetworkCounts;
  /** Resolves once every text delivered so far has been handled by its phone. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** The largest body the network reads from TESS; a text is 160 characters. */
const BODY_MAX = 16_384;

export async function startPhoneNetwork(
  secret: string,
  onError: (err: Error) => void,
): Promise<PhoneNetwork> {
  const phones = new Map<string, { handset: Handset; busy: Promise<void> }>();
  const delivered = new Set<string>();
  const counts = { toTess: 0, fromTess: 0, lost: 0 };
  let webhook = '';
  let sent = 0;

  function deliver(to: string, text: string): void {
    const phone = phones.get(to);
    if (!phone) {
      counts.lost++;
      return;
    }
    counts.fromTess++;
    // One text at a time per phone, in the order they arrived, as a handset reads them.
    phone.busy = phone.busy.then(async () => {
      try {
        await phone.handset(text);
      } catch (err) {
        onError(err as Error);
      }
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method !== 'POST') return answer(405, { error: 'POST only' });
    if (req.headers.authorization !== `Bearer ${secret}`) return answer(401, { error: 'bad token' });
    let raw = '';
    for await (const chunk of req) {
      raw += String(chunk);
      if (raw.length > BODY_MAX) return answer(413, { error: 'body too large' });
    }
    let body: { to?: unknown; text?: unknown; key?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return answer(400, { error: 'body is not JSON' });
    }
    if (typeof body.to !== 'string' || typeof body.text !== 'string') {
      return answer(400, { error: 'to and text must be strings' });
    }
    const key = typeof body.key === 'string' ? body.key : `unkeyed-${sent}`;
    if (!delivered.has(key)) {
      delivered.add(key);
      deliver(body.to, body.text);
    }
    sent++;
    answer(200, { id: `village-${sent}` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/send`,
    attach: (number, handset) => {
      phones.set(number, { handset, busy: Promise.resolve() });
    },
    connect: (url) => {
      webhook = url;
    },
    text: async (number, body) => {
      const response = await fetch(webhook, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: number, text: body }),
      });
      await response.arrayBuffer();
      if (response.ok) counts.toTess++;
      else counts.lost++;
      return response.ok;
    },
    counts: () => ({ ...counts }),
    settled: async () => {
      await Promise.all([...phones.values()].map((p) => p.busy));
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
