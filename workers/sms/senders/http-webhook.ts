import { fieldOf, httpFailure, jsonOf, providerIdOf, sent } from './outcome.js';
import { providerRequest, redact } from './request.js';
import type { OutboundSms, SendOutcome, SmsSender } from './sender.js';
import type { WebhookSettings } from './settings.js';

/**
 * A generic JSON webhook, for a gateway of one's own (a phone running an SMS app, a
 * relay): POST `{ "to", "text", "key" }` to the URL, with `Idempotency-Key: <key>` so
 * that a retried message is delivered once, and `Authorization: Bearer <secret>` when the
 * interface has a secret. Any 2xx is accepted; the answer's `id`, if any, is the provider
 * id. An error answer's `error` or `message` field (else its text) is the reason.
 */
export function webhookSender(settings: WebhookSettings, secret: string | undefined): SmsSender {
  async function send(sms: OutboundSms, signal: AbortSignal): Promise<SendOutcome> {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'idempotency-key': sms.key,
    };
    if (secret) headers['authorization'] = `Bearer ${secret}`;
    const body = JSON.stringify({ to: sms.to, text: sms.text, key: sms.key });
    const answer = await providerRequest(settings.url, { method: 'POST', headers, body }, signal, secret);
    if (!answer.ok) return answer;
    const json = jsonOf(answer.text);
    if (answer.status >= 300) return httpFailure(answer.status, redact(errorText(json, answer.text), secret));
    return sent(providerIdOf(fieldOf(json, 'id')), answer.status);
  }

  return Object.freeze({ kind: 'http', send });
}

function errorText(json: unknown, text: string): string {
  for (const name of ['error', 'message']) {
    const value = fieldOf(json, name);
    if (typeof value === 'string') return value;
  }
  return text;
}
