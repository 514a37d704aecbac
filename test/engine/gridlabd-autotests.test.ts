import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clearBook, validateClearInput } from '../../engine/index.js';

/**
 * Markets from GridLAB-D's own auction autotests (market/autotest/*.glm), as data: the bids
 * of the stub bidders in `market` (the `tess clear` input format) and the values the .glm
 * file asserts for the first clearing in `expected`.
 */
interface AutotestCase {
  source: string;
  market: unknown;
  expected: {
    price: number;
    price_within: number;
    quantity: number;
    type: string;
    marginal_quantity?: number;
    buyer_total?: number;
    seller_total?: number;
  };
}

const dir = new URL('./data/', import.meta.url);
const cases = readdirSync(dir)
  .filter((file) => file.startsWith('test_') && file.endsWith('.json'))
  .map((file) => [file, JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as AutotestCase] as const);

describe('GridLAB-D auction autotests', () => {
  it('has converted markets to check', () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
  });

  it.each(cases)('%s', (_file, data) => {
    const input = validateClearInput(data.market);
    const result = clearBook(input.book, input.options);
    const { expected } = data;
    expect(Math.abs(result.price - expected.price)).toBeLessThanOrEqual(expected.price_within);
    expect(result.quantity).toBeCloseTo(expected.quantity, 5);
    expect(result.type).toBe(expected.type);
    if (expected.marginal_quantity !== undefined) {
      expect(result.marginalQuantity).toBeCloseTo(expected.marginal_quantity, 5);
    }
    if (expected.buyer_total !== undefined) expect(result.buyerTotal).toBeCloseTo(expected.buyer_total, 5);
    if (expected.seller_total !== undefined) expect(result.sellerTotal).toBeCloseTo(expected.seller_total, 5);
  });
});
