import { invalid } from '../../../engine/errors.js';
import { failure, fieldOf, httpFailure, jsonOf, oneLine, providerIdOf, sent } from './outcome.js';
import { providerRequest, redact } from './request.js';
import type { DeliveryOutcome, DeliveryState, OutboundSms, SendOutcome, SmsSender } from './sender.js';
import type { TwilioSettings } from './settings.js';

/**
 * Twilio's Messages resource (REST API 2010-04-01): a form POST creates the message and
 * answers 201 with its `sid`; a GET of Messages/{sid}.json tells its `status`. Errors come
 * back as JSON `{ code, message, more_info, status }`: the code and message are the reason.
 * Twilio documents no idempotency key for messages; the Idempotency-Key header is sent
 * anyway (harmless where ignored, honoured by proxies that take it).
 */
const STATES: Readonly<Record<string, DeliveryState>> = {
  accepted: 'pending',
  scheduled: 'pending',
  queued: 'pending',
  sending: 'pending',
  sent: 'sent',
  partially_delivered: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};
const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

export function twilioSender(settings: TwilioSettings, secret: string | undefined): SmsSender {
  if (!secret) throw invalid("secret: a twilio interface needs the account's auth token");
  const messages = `${settings.baseUrl}/2010-04-01/Accounts/${settings.accountSid}/Messages`;
  const authorization = `Basic ${Buffer.from(`${settings.accountSid}:${secret}`).toString('base64')}`;

  async function send(sms: OutboundSms, signal: AbortSignal): Promise<SendOutcome> {
    const form = new URLSearchParams({ To: sms.to, Body: sms.text });
    if (settings.from !== null) form.set('From', settings.from);
    if (settings.messagingServiceSid !== null) form.set('MessagingServiceSid', settings.messagingServiceSid);
    if (settings.statusCallback !== null) form.set('StatusCallback', settings.statusCallback);
    const answer = await providerRequest(
      `${messages}.json`,
      { method: 'POST', headers: { authorization, 'idempotency-key': sms.key }, body: form },
      signal,
      secret,
    );
    if (!answer.ok) return answer;
    if (answer.status >= 300) return httpFailure(answer.status, redact(errorText(answer.text), secret));
    return sent(providerIdOf(fieldOf(jsonOf(answer.text), 'sid')), answer.status);
  }

  async function deliveryStatus(providerId: string, signal: AbortSignal): Promise<DeliveryOutcome> {
    if (!MESSAGE_SID.test(providerId)) return failure(false, `not a Twilio message sid: ${providerId}`, null);
    const answer = await providerRequest(
      `${messages}/${providerId}.json`,
      { method: 'GET', headers: { authorization } },
      signal,
      secret,
    );
    if (!answer.ok) return answer;
    if (answer.status >= 300) return httpFailure(answer.status, redact(errorText(answer.text), secret));
    const json = jsonOf(answer.text);
    const status = fieldOf(json, 'status');
    if (typeof status !== 'string') return failure(true, 'HTTP 200 without a status', answer.status);
    const code = fieldOf(json, 'error_code');
    const message = fieldOf(json, 'error_message');
    const detail = code === null || code === undefined ? null : oneLine(`${code} ${message ?? ''}`);
    return Object.freeze({
      ok: true,
      state: STATES[status] ?? 'pending',
      providerStatus: oneLine(status),
      detail,
      httpStatus: answer.status,
    });
  }

  return Object.freeze({ kind: 'twilio', send, deliveryStatus });
}

/** Twilio's `code message`, else the answer's text. */
function errorText(text: string): string {
  const json = jsonOf(text);
  const message = fieldOf(json, 'message');
  if (typeof message !== 'string') return text;
  const code = fieldOf(json, 'code');
  return typeof code === 'number' || typeof code === 'string' ? `${code} ${message}` : message;
}
