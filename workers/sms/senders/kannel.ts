import { invalid } from '../../../engine/errors.js';
import { isGsm7Basic } from '../../../engine/gateway/sms/index.js';
import { httpFailure, sent } from './outcome.js';
import { providerRequest, redact } from './request.js';
import type { OutboundSms, SendOutcome, SmsSender } from './sender.js';
import type { KannelSettings } from './settings.js';

/**
 * Kannel's smsbox `sendsms` interface: one GET with the sendsms-user's name and password
 * in the query. It answers 202 with `0: Accepted for delivery` (or `3: Queued for later
 * delivery` when no SMSC is up: Kannel keeps it and sends it later, so that is a success
 * too); a refusal is a 4xx with a sentence (`Authorization failed`, `Not routable. Do not
 * try again.`), a temporary failure a 503. The answer carries no message id: what became
 * of a message is only known by a delivery report to `dlr_url`, when one is configured.
 *
 * Text goes as UTF-8 (charset); text outside the GSM basic set (ç, ê, ô, €) asks for UCS-2
 * (coding=2), else Kannel would turn those characters into `?`.
 */
export function kannelSender(settings: KannelSettings, secret: string | undefined): SmsSender {
  if (!secret) throw invalid("secret: a kannel interface needs the sendsms-user's password");
  const password = secret;
  const endpoint = `${settings.baseUrl}/cgi-bin/sendsms`;

  async function send(sms: OutboundSms, signal: AbortSignal): Promise<SendOutcome> {
    const query = new URLSearchParams({ username: settings.username, password, to: sms.to });
    query.set('text', sms.text);
    query.set('charset', 'UTF-8');
    if (!isGsm7Basic(sms.text)) query.set('coding', '2');
    if (settings.from !== null) query.set('from', settings.from);
    if (settings.smsc !== null) query.set('smsc', settings.smsc);
    if (settings.dlrUrl !== null) {
      query.set('dlr-mask', String(settings.dlrMask));
      query.set('dlr-url', settings.dlrUrl.replaceAll('{key}', encodeURIComponent(sms.key)));
    }
    const answer = await providerRequest(
      `${endpoint}?${query}`,
      { method: 'GET', headers: {} },
      signal,
      secret,
    );
    if (!answer.ok) return answer;
    if (answer.status >= 300) return httpFailure(answer.status, redact(answer.text, secret));
    return sent(null, answer.status);
  }

  return Object.freeze({ kind: 'kannel', send });
}
