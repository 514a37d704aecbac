/**
 * How TESS reaches an SMS provider (a communication interface, seed 001): its kind, and
 * what each kind cannot work without. The secret is an SMS_SECRET_… environment
 * variable's name, never the secret itself.
 * - twilio: Twilio's REST Messages API; account = account SID, secret = auth token (it
 *   also signs Twilio's webhooks), sender = the number or messaging service sent from.
 * - kannel: a Kannel gateway's sendsms; account = username, secret = password.
 * - http: a JSON webhook of one's own; secret = bearer token (optional outbound).
 * - log: sends nothing, stores the message (development).
 */
export const INTERFACE_KINDS = ['twilio', 'kannel', 'http', 'log'] as const;
export type InterfaceKind = (typeof INTERFACE_KINDS)[number];

export type InterfaceField = 'base_url' | 'account' | 'sender' | 'secret_env';

export const INTERFACE_NEEDS: Readonly<Record<InterfaceKind, readonly InterfaceField[]>> = Object.freeze({
  twilio: ['account', 'sender', 'secret_env'],
  kannel: ['base_url', 'account', 'secret_env'],
  http: ['base_url'],
  log: [],
});

/** Environment variables an interface may name: none of the process's other secrets. */
export const SECRET_ENV_PATTERN = /^SMS_SECRET_[A-Z0-9_]{1,64}$/;
