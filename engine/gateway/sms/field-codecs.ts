import { invalid } from '../../errors.js';
import { type MeterTime, parseStamp, type Stamp, writeStamp } from './meter-time.js';
import { quote } from './sms-limits.js';

/**
 * How one field of a meter message is read and written. `parse` checks the text where
 * it enters (shape, then range) and names the field's key in its error; `write` gives
 * the text, which the writer parses back, so a value that could not be read is never
 * sent (kv-message.ts).
 */
export interface Codec<T> {
  parse(text: string, key: string): T;
  write(value: T, key: string): string;
}

/** Up to 16 digits before the point: every bound here is far below, and Number reads it exactly enough. */
const DECIMAL = /^-?[0-9]{1,16}(\.[0-9]+)?$/;

/** A decimal number in [min, max] with at most `decimals` digits after the point, written without exponent. */
export function decimal(range: { min: number; max: number; decimals: number }): Codec<number> {
  return {
    parse(text, key) {
      if (!DECIMAL.test(text)) throw invalid(`${key}: ${quote(text)} is not a number`);
      // Trailing zeros are no precision: "10.0000" is 10, whatever the meter's printf wrote.
      const fraction = text.split('.')[1]?.replace(/0+$/, '') ?? '';
      if (fraction.length > range.decimals) {
        throw invalid(`${key}: ${quote(text)} has more than ${range.decimals} decimals`);
      }
      const n = Number(text);
      if (n < range.min || n > range.max)
        throw invalid(`${key}: ${text} is not in ${range.min}..${range.max}`);
      return n === 0 ? 0 : n; // "-0" is 0
    },
    write: (value) => String(value),
  };
}

/** A whole number in [min, max], digits only. */
export function integer(range: { min: number; max: number }): Codec<number> {
  return {
    parse(text, key) {
      if (!/^[0-9]{1,16}$/.test(text)) throw invalid(`${key}: ${quote(text)} is not a whole number`);
      const n = Number(text);
      if (n < range.min || n > range.max)
        throw invalid(`${key}: ${text} is not in ${range.min}..${range.max}`);
      return n;
    },
    write: (value) => String(value),
  };
}

/** One of a few words, read in any case and written as listed. */
export function oneOf<const W extends string>(words: readonly W[]): Codec<W> {
  const byLower = new Map(words.map((w) => [w.toLowerCase(), w]));
  return {
    parse(text, key) {
      const w = byLower.get(text.toLowerCase());
      if (w === undefined) throw invalid(`${key}: ${quote(text)} is not one of ${words.join(', ')}`);
      return w;
    },
    write: (value) => value,
  };
}

/** 1 or 0: a relay closed (the circuit on) or open. */
export const FLAG: Codec<boolean> = {
  parse(text, key) {
    if (text !== '1' && text !== '0') throw invalid(`${key}: ${quote(text)} is not 1 or 0`);
    return text === '1';
  },
  write: (value) => (value ? '1' : '0'),
};

/**
 * A dotted IPv4 address, as circuits are addressed on a meter's network. Leading zeros
 * are refused: "010" is 8 to some readers and 10 to others, and the address is matched
 * as text against the circuit's.
 */
export const IPV4: Codec<string> = {
  parse(text, key) {
    const parts = text.split('.');
    const ok = parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
    if (!ok) throw invalid(`${key}: ${quote(text)} is not a dotted IPv4 address`);
    return text;
  },
  write: (value) => value,
};

/**
 * Longest meter name: with it, the longest log a meter can send (every number at its
 * widest) is 150 characters, so every meter message fits one SMS.
 */
export const METER_NAME_MAX = 32;

/**
 * A meter's name: 1 to METER_NAME_MAX letters, digits, spaces and . _ - : /, no space at
 * either end; case is kept. ASCII keeps meter messages in the GSM 7-bit alphabet (one
 * character outside it turns an SMS into 70-character UCS-2); parentheses, & and = would
 * cut the message or its fields.
 */
const NAME = new RegExp(`^(?! )[A-Za-z0-9 ._:/-]{1,${METER_NAME_MAX}}(?<! )$`);
export const METER_NAME: Codec<string> = {
  parse(text, key) {
    if (!NAME.test(text)) {
      throw invalid(
        `${key}: ${quote(text)} is not a meter name (1 to ${METER_NAME_MAX} letters, digits, spaces or . _ - : /)`,
      );
    }
    return text;
  },
  write: (value) => value,
};

/** A meter's calendar time in one of the STAMPS shapes. */
export function stamp(shape: Stamp): Codec<MeterTime> {
  return {
    parse: (text, key) => parseStamp(text, shape, key),
    write: (value, key) => writeStamp(value, shape, key),
  };
}
