import { sent } from './outcome.js';
import type { OutboundSms, SendOutcome, SmsSender } from './sender.js';

/**
 * Sends nothing: the development default, where a message is only stored. It succeeds
 * with the provider id `log:<key>`, so a stored message looks sent and can be followed.
 */
export function logSender(): SmsSender {
  return Object.freeze({
    kind: 'log',
    send: async (sms: OutboundSms): Promise<SendOutcome> => sent(`log:${sms.key}`, null),
  });
}
