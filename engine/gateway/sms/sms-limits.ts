import { invalid } from '../../errors.js';

/**
 * One SMS: 160 characters of the GSM 7-bit alphabet. Everything the gateway sends fits
 * one, so no reply is split and billed twice, and a meter never has to reassemble a job.
 */
export const SMS_MAX = 160;

/**
 * Longest text read. A concatenated SMS can be longer than one part, and most carriers
 * and SMS gateways stop at 1,600 characters; nothing longer is a message we can have
 * been sent, so it is refused before any work is done on it.
 */
export const INBOUND_TEXT_MAX = 1600;

/** How a value is shown in an error: quoted, escaped, and cut so errors stay short. */
export function quote(text: string): string {
  const cut = [...text];
  return JSON.stringify(cut.length > 40 ? `${cut.slice(0, 40).join('')}…` : text);
}

/** `text` when it fits one SMS; an INVALID error naming `what` otherwise. */
export function fitSms(text: string, what: string): string {
  if (text.length > SMS_MAX) {
    throw invalid(`${what}: ${text.length} characters, more than the ${SMS_MAX} of one SMS`);
  }
  return text;
}

/** Refuses a received text longer than INBOUND_TEXT_MAX, naming `what`. */
export function checkInbound(text: string, what: string): void {
  if (text.length > INBOUND_TEXT_MAX) {
    throw invalid(`${what}: ${text.length} characters, more than ${INBOUND_TEXT_MAX}`);
  }
}
