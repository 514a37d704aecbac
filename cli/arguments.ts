import { ErrorCode, TessError } from '../engine/errors.js';

/** What a whole number from `min` to `max` is called in an error. */
function range(min: number, max: number): string {
  if (max < Number.MAX_SAFE_INTEGER) return `a whole number from ${min} to ${max}`;
  if (min === 0) return 'a whole number';
  return min === 1 ? 'a positive whole number' : `a whole number of at least ${min}`;
}

/**
 * Commander's parser of a whole-number argument or option named `what` (digits only:
 * no sign, exponent or fraction), from `min` to `max`. A TessError, so the command line
 * prints the one line naming the argument and the value given.
 */
export function wholeNumber(what: string, min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d{1,16}$/.test(value) || n < min || n > max) {
      throw new TessError(ErrorCode.INVALID, `${what} must be ${range(min, max)}, not "${value}"`);
    }
    return n;
  };
}
