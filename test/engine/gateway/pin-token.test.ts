import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkBatch,
  isPin,
  normaliseTokenNumber,
  PIN_SPACE,
  randomPin,
  TOKEN_DIGITS,
  tokenNumber,
} from '../../../engine/gateway/index.js';

describe('PIN', () => {
  it.each([
    ['234567', true],
    ['987654', true],
    ['23456', false],
    ['2345678', false],
    ['234561', false],
    ['234560', false],
    ['223456', false],
    ['23456a', false],
    ['', false],
  ])('isPin(%j) is %s', (text, expected) => {
    expect(isPin(text)).toBe(expected);
  });

  it('every sequence of draws gives a distinct PIN: all 20,160 are equally likely', () => {
    // Enumerate every answer randomInt can give at each of the six draws.
    const pins = new Set<string>();
    const walk = (prefix: number[]): void => {
      if (prefix.length === 6) {
        const draws = [...prefix];
        const pin = randomPin(() => draws.shift()!);
        expect(isPin(pin)).toBe(true);
        pins.add(pin);
        return;
      }
      for (let i = 0; i < 8 - prefix.length; i++) walk([...prefix, i]);
    };
    walk([]);
    expect(pins.size).toBe(PIN_SPACE);
  });
});

describe('credit token numbers', () => {
  it('are TOKEN_DIGITS uniform digits: bytes of 250 and above are drawn again', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        let offset = 0;
        const source = (n: number) => {
          const out = new Uint8Array(n);
          for (let i = 0; i < n; i++) out[i] = offset < bytes.length ? bytes[offset++]! : i * 7;
          return out;
        };
        const number = tokenNumber(source);
        expect(number).toMatch(new RegExp(`^[0-9]{${TOKEN_DIGITS}}$`));
        const kept = [...bytes].filter((b) => b < 250).map((b) => String(b % 10));
        if (kept.length >= TOKEN_DIGITS) expect(number).toBe(kept.slice(0, TOKEN_DIGITS).join(''));
      }),
    );
  });

  it.each([
    ['12345678901', '12345678901'],
    ['1234 5678 901', '12345678901'],
    ['123-4567-8901', '12345678901'],
    ['1234567890', null],
    ['1234567890a', null],
    ['', null],
  ])('normaliseTokenNumber(%j) is %j', (text, expected) => {
    expect(normaliseTokenNumber(text)).toBe(expected);
  });

  it.each([
    [[], /at least one/],
    [[{ denomination: 0, count: 1 }], /denomination must be > 0/],
    [[{ denomination: -5, count: 1 }], /denomination must be > 0/],
    [[{ denomination: Number.NaN, count: 1 }], /denomination must be > 0/],
    [[{ denomination: 2e6, count: 1 }], /denomination must be > 0/],
    [[{ denomination: 0.0000001, count: 1 }], /more than 6 decimals/],
    [[{ denomination: 5, count: 0 }], /count must be a whole number/],
    [[{ denomination: 5, count: 1.5 }], /count must be a whole number/],
    [
      [
        { denomination: 5, count: 60_000 },
        { denomination: 10, count: 60_000 },
      ],
      /at most 100000/,
    ],
  ])('checkBatch refuses %j', (items, message) => {
    expect(() => checkBatch(items)).toThrow(message);
  });

  it('checkBatch takes a sound batch', () => {
    expect(() =>
      checkBatch([
        { denomination: 500, count: 100 },
        { denomination: 0.25, count: 3 },
      ]),
    ).not.toThrow();
  });
});
