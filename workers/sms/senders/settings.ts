import { INTERFACE_KINDS, type InterfaceKind } from '../../../engine/gateway/index.js';
import { invalid } from '../../../engine/errors.js';
import {
  optionalInt,
  optionalText,
  optionalUrl,
  requiredText,
  requiredUrl,
  type SettingsObject,
} from './fields.js';

/**
 * What a sender needs of its communication interface: the row's base_url, account and
 * sender (a row can be passed as it is), and options no column holds, which default to
 * off. Checked once where they enter; the errors name the field (`base_url: required`).
 * The one secret (Twilio's auth token, Kannel's password, a webhook's bearer token) is
 * never among them: it is read from the environment variable the row names and handed to
 * senderFor apart.
 */
export interface InterfaceFields {
  readonly base_url?: string | null;
  readonly account?: string | null;
  readonly sender?: string | null;
  /** kannel: the SMSC to route through; unset, Kannel routes. */
  readonly smsc?: string | null;
  /**
   * kannel: where Kannel reports delivery, with `{key}` where our message's key goes
   * (Kannel's own escapes, such as %d for the report's type, are left for Kannel). Unset,
   * no report is asked for: Kannel's answer carries no message id, so a report is the
   * only way to learn what became of a message.
   */
  readonly dlr_url?: string | null;
  /** kannel: which reports to send, a bit mask from 1 to 31. @defaultValue 19, the final ones */
  readonly dlr_mask?: number | null;
  /** twilio: where Twilio posts the message's status changes (StatusCallback). */
  readonly status_callback?: string | null;
}

export interface TwilioSettings {
  readonly kind: 'twilio';
  /** base_url, without a trailing slash. @defaultValue https://api.twilio.com */
  readonly baseUrl: string;
  /** account: AC followed by 32 hex digits; the user name of the basic auth. */
  readonly accountSid: string;
  /** sender, when it is a number or sender id. */
  readonly from: string | null;
  /** sender, when it is a messaging service (MG followed by 32 hex digits): Twilio picks the number. */
  readonly messagingServiceSid: string | null;
  readonly statusCallback: string | null;
}

export interface KannelSettings {
  readonly kind: 'kannel';
  /** base_url: the smsbox's sendsms port, e.g. http://kannel:13013, without a trailing slash. */
  readonly baseUrl: string;
  /** account: the sendsms-user; its password is the interface's secret. */
  readonly username: string;
  /** sender; unset, Kannel's own default sender. */
  readonly from: string | null;
  readonly smsc: string | null;
  readonly dlrUrl: string | null;
  readonly dlrMask: number;
}

export interface WebhookSettings {
  readonly kind: 'http';
  /** base_url: where each message is posted. */
  readonly url: string;
}

export interface LogSettings {
  readonly kind: 'log';
}

export type InterfaceSettings = TwilioSettings | KannelSettings | WebhookSettings | LogSettings;

export const TWILIO_BASE_URL = 'https://api.twilio.com';
/** Delivered, not delivered, not delivered to the SMSC: the reports that end a message's story. */
export const KANNEL_DLR_MASK = 19;
/** Where a Kannel delivery-report URL takes our message's key. */
export const KEY_PLACEHOLDER = '{key}';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
/** The bounds of the interface table's columns. */
const ACCOUNT_MAX = 200;
const SENDER_MAX = 64;

const PARSERS: {
  readonly [K in InterfaceKind]: (o: SettingsObject) => Omit<Extract<InterfaceSettings, { kind: K }>, 'kind'>;
} = {
  twilio: (o) => {
    const sender = requiredText(o, 'sender', { max: SENDER_MAX });
    const service = MESSAGING_SERVICE_SID.test(sender);
    return {
      baseUrl: optionalUrl(o, 'base_url', { base: true }) ?? TWILIO_BASE_URL,
      accountSid: requiredText(o, 'account', { pattern: ACCOUNT_SID, hint: 'AC followed by 32 hex digits' }),
      from: service ? null : sender,
      messagingServiceSid: service ? sender : null,
      statusCallback: optionalUrl(o, 'status_callback'),
    };
  },
  kannel: (o) => {
    const dlrUrl = optionalUrl(o, 'dlr_url', { template: KEY_PLACEHOLDER });
    if (dlrUrl !== null && !dlrUrl.includes(KEY_PLACEHOLDER)) {
      throw invalid(`dlr_url: must contain ${KEY_PLACEHOLDER}, where the message's key goes`);
    }
    return {
      baseUrl: requiredUrl(o, 'base_url', { base: true }),
      username: requiredText(o, 'account', { max: ACCOUNT_MAX }),
      from: optionalText(o, 'sender', { max: SENDER_MAX }),
      smsc: optionalText(o, 'smsc', { max: 64 }),
      dlrUrl,
      dlrMask: optionalInt(o, 'dlr_mask', { min: 1, max: 31 }) ?? KANNEL_DLR_MASK,
    };
  },
  http: (o) => ({ url: requiredUrl(o, 'base_url') }),
  log: () => ({}),
};

/**
 * A communication interface's kind and fields, checked: frozen typed settings, or an
 * INVALID TessError naming the field. Fields a kind does not use are not read.
 */
export function parseInterfaceSettings(kind: string, fields: InterfaceFields): InterfaceSettings {
  if (!(INTERFACE_KINDS as readonly string[]).includes(kind)) {
    throw invalid(`kind: must be one of ${INTERFACE_KINDS.join(', ')}`);
  }
  if (typeof fields !== 'object' || fields === null) throw invalid('fields: must be an object');
  const k = kind as InterfaceKind;
  return Object.freeze({ kind: k, ...PARSERS[k](fields as SettingsObject) }) as InterfaceSettings;
}
