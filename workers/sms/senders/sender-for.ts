import { twilioSender } from './twilio.js';
import { webhookSender } from './http-webhook.js';
import { kannelSender } from './kannel.js';
import { logSender } from './log.js';
import type { InterfaceKind } from '../../../engine/gateway/index.js';
import type { SmsSender } from './sender.js';
import type { InterfaceSettings } from './settings.js';

type Build<K extends InterfaceKind> = (
  settings: Extract<InterfaceSettings, { kind: K }>,
  secret: string | undefined,
) => SmsSender;

/** One adapter per kind: a kind added to INTERFACE_KINDS without one does not compile. */
const ADAPTERS: { readonly [K in InterfaceKind]: Build<K> } = {
  twilio: twilioSender,
  kannel: kannelSender,
  http: webhookSender,
  log: logSender,
};

/**
 * The sender of a communication interface, from its settings (parseInterfaceSettings) and
 * its secret (read from the environment variable the interface names). A kind that needs a
 * secret and has none is an INVALID TessError: better at start than at the first message.
 */
export function senderFor(settings: InterfaceSettings, secret: string | undefined): SmsSender {
  return (ADAPTERS[settings.kind] as Build<InterfaceKind>)(settings as never, secret);
}
