import { ErrorCode, TessError } from '../errors.js';

/**
 * Credit tokens: the numbers printed on scratch cards. A number is TOKEN_DIGITS decimal
 * digits drawn uniformly (so 10^11 numbers: guessing a live one among a batch of 10,000
 * takes ten million tries on average, which throttling makes impractical). Only a keyed
 * hash of a number is ever stored (storage/gateway), so a copy of the database redeems
 * nothing.
 */
export const TOKEN_DIGITS = 11;

/** Largest value of one token, in currency units: bounds what a single card can carry. */
export const TOKEN_VALUE_MAX = 1_000_000;
/** Most tokens in one batch (all denominations together). */
export const BATCH_TOKENS_MAX = 100_000;

/** Whether `text` has the shape of a token number (spaces and dashes as printed are removed first). */
export function normaliseTokenNumber(text: string): string | null {
  const digits = text.replace(/[\s-]/g, '');
  return /^[0-9]+$/.test(digits) && digits.length >= TOKEN_DIGITS && digits.length <= 32 ? digits : null;
}

/**
 * A token number of TOKEN_DIGITS digits from `randomBytes` (crypto.randomBytes in
 * production). Bytes of 250 and above are drawn again, so every digit is uniform.
 */
export function tokenNumber(randomBytes: (n: number) => Uint8Array): string {
  let out = '';
  while (out.length < TOKEN_DIGITS) {
    for (const b of randomBytes(TOKEN_DIGITS)) {
      if (b < 250 && out.length < TOKEN_DIGITS) out += String(b % 10);
    }
  }
  return out;
}

/**
 * A batch's tokens as CSV for the card printer: a `number,value` header, then one line per
 * token. Numbers are digits and values plain decimals, so nothing needs quoting.
 */
export function tokenBatchCsv(
  tokens: readonly { readonly number: string; readonly value: number }[],
): string {
  return `number,value\n${tokens.map((t) => `${t.number},${t.value}\n`).join('')}`;
}

export interface Denomination {
  /** Value of each token, in currency units. */
  readonly denomination: number;
  readonly count: number;
}

/** Checks a batch request: values in (0, TOKEN_VALUE_MAX] to the micro-unit, counts whole, total bounded. */
export function checkBatch(items: readonly Denomination[]): void {
  if (items.length === 0) throw new TessError(ErrorCode.INVALID, 'tokens: name at least one denomination');
  let total = 0;
  for (const [i, { denomination, count }] of items.entries()) {
    if (!Number.isFinite(denomination) || denomination <= 0 || denomination > TOKEN_VALUE_MAX) {
      throw new TessError(
        ErrorCode.INVALID,
        `tokens[${i}].denomination must be > 0 and ≤ ${TOKEN_VALUE_MAX} (got ${denomination})`,
      );
    }
    if (Math.round(denomination * 1e6) / 1e6 !== denomination) {
      throw new TessError(ErrorCode.INVALID, `tokens[${i}].denomination has more than 6 decimals`);
    }
    if (!Number.isInteger(count) || count < 1) {
      throw new TessError(ErrorCode.INVALID, `tokens[${i}].count must be a whole number ≥ 1 (got ${count})`);
    }
    total += count;
  }
  if (total > BATCH_TOKENS_MAX) {
    throw new TessError(ErrorCode.INVALID, `tokens: at most ${BATCH_TOKENS_MAX} in one batch (got ${total})`);
  }
}
