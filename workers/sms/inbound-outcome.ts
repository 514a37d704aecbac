import type { JobRow } from '../../storage/index.js';

/** A text to send back, to whom: the sender, or another number (a phone change tells both). */
export interface Reply {
  readonly phone: string;
  readonly body: string;
}

/** Why an incoming message was stored and left alone (the tess_sms_ignored_total label). */
export type IgnoreReason = 'unknown-number' | 'malformed' | 'unknown-circuit' | 'unknown-job' | 'refused';

/**
 * What acting on an incoming message came to: handled (with the replies it asks for, and
 * what it touched), or ignored with the reason, stored on the message for whoever looks.
 */
export type InboundOutcome =
  | {
      readonly state: 'handled';
      readonly detail: string;
      readonly replies: readonly Reply[];
      readonly circuitId?: number;
      /** A job the message acknowledged (a meter's job=delete), when it was not acknowledged before. */
      readonly acknowledged?: JobRow;
      /** Jobs the message queued for a meter (a customer's on/off): pushed after the commit. */
      readonly queuedJobsOfMeter?: number;
    }
  | {
      readonly state: 'ignored';
      readonly detail: string;
      readonly reason: IgnoreReason;
      readonly replies?: readonly Reply[];
    };
