import { invalid } from '../../errors.js';
import { quote } from './sms-limits.js';

/**
 * Integers in base 36 (0-9 then A-Z), as the compressed log writes every number: a
 * minus sign for negatives, upper case written, either case read. Ten digits at most:
 * 36^10 is below 2^53, so every accepted text decodes exactly.
 */
const BASE36 = /^-?[0-9a-z]{1,10}$/i;

/** The integer of a base-36 text; an INVALID error naming `what` otherwise. */
export function fromBase36(text: string, what: string): number {
  if (!BASE36.test(text)) throw invalid(`${what}: ${quote(text)} is not a base-36 number`);
  const n = Number.parseInt(text, 36);
  return n === 0 ? 0 : n; // "-0" is 0
}

/** The base-36 text of a safe integer. */
export function toBase36(n: number): string {
  if (!Number.isSafeInteger(n)) throw invalid(`${n} is not a whole number to write in base 36`);
  return n.toString(36).toUpperCase();
}
