import type { InterfaceKind } from '../../../engine/gateway/index.js';

/**
 * One outbound SMS interface, many providers behind it.
 *
 * Glossary:
 * - communication interface: one configured way of reaching phones (a Twilio account, a
 *   Kannel box, a webhook), of one `kind`, with its base URL, account and sender, and one
 *   secret kept in an environment variable.
 * - key: our message's stable id. Every attempt of one message sends the same key, so a
 *   provider that takes an idempotency key delivers a retried message once.
 * - provider id: the provider's own id of the message (Twilio's `sid`), used to ask it
 *   later what became of the message; null where the provider gives none (Kannel).
 * - retry: whether trying the same message again may succeed. Network trouble, timeouts,
 *   5xx, 408 and 429 may pass; any other refusal (a bad number, bad credentials) will not.
 */

export interface OutboundSms {
  /** The recipient, as the provider expects it (E.164 for Twilio). */
  readonly to: string;
  readonly text: string;
  /** Our message's stable id: sent as an idempotency key where the provider takes one. */
  readonly key: string;
}

/** A request the provider did not accept, or that never reached it. */
export interface SendFailure {
  readonly ok: false;
  readonly retry: boolean;
  /** What went wrong, bounded and on one line: the provider's own error text when it gave one. */
  readonly reason: string;
  /** The provider's HTTP status; null when no answer came (network, timeout). */
  readonly httpStatus: number | null;
}

export type SendOutcome =
  | { readonly ok: true; readonly providerId: string | null; readonly httpStatus: number | null }
  | SendFailure;

/** Where a sent message stands, in our words; each provider maps its own onto these. */
export const DELIVERY_STATES = ['pending', 'sent', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export type DeliveryOutcome =
  | {
      readonly ok: true;
      readonly state: DeliveryState;
      /** The provider's own word for the state (Twilio: queued, sent, undelivered, ...). */
      readonly providerStatus: string;
      /** The provider's error code and text for a message that failed, else null. */
      readonly detail: string | null;
      readonly httpStatus: number;
    }
  | SendFailure;

export interface SmsSender {
  readonly kind: InterfaceKind;
  /**
   * Sends one message. Never throws for provider trouble: the outcome says whether it was
   * accepted and, if not, whether to retry. The signal is the attempt's deadline: the
   * sender sets none of its own (sendWithRetry gives each attempt one).
   */
  send(sms: OutboundSms, signal: AbortSignal): Promise<SendOutcome>;
  /** Asks the provider what became of a message it accepted; only providers that can say. */
  deliveryStatus?(providerId: string, signal: AbortSignal): Promise<DeliveryOutcome>;
}
