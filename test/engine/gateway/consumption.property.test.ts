import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chargeConsumption, type PriceSpan, whPerPriceUnit } from '../../../engine/gateway/index.js';

/** Spans cut from [t0, t0 + total) at the given points, each with its price. */
const spansArb = fc
  .record({
    t0: fc.integer({ min: 0, max: 2e12 }),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 7_199_999 }), { maxLength: 6 }),
    prices: fc.array(fc.integer({ min: -1e9, max: 1e12 }), { minLength: 7, maxLength: 7 }),
  })
  .map(({ t0, cuts, prices }) => {
    const points = [0, ...cuts.sort((a, b) => a - b), 7_200_000].map((p) => t0 + p);
    const spans: PriceSpan[] = [];
    for (let i = 0; i < points.length - 1; i++)
      spans.push({ start: points[i]!, end: points[i + 1]!, priceMicro: prices[i]! });
    return spans;
  });

/** The exact cost in micro-units as a rational n / d (BigInt). */
function exact(period: { start: number; end: number; energyMilliWh: number }, spans: PriceSpan[], w: number) {
  let n = 0n;
  for (const s of spans) {
    const o = Math.min(s.end, period.end) - Math.max(s.start, period.start);
    if (o > 0) n += BigInt(period.energyMilliWh) * BigInt(o) * BigInt(s.priceMicro);
  }
  return { n, d: 1000n * BigInt(period.end - period.start) * BigInt(w) };
}

describe('consumption charge', () => {
  it('parts sum to the total, and the total is the exact cost rounded to the micro-unit', () => {
    fc.assert(
      fc.property(
        spansArb,
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.constantFrom(1, 1_000, 1_000_000),
        (spans, energyMilliWh, offset, length, w) => {
          const t0 = spans[0]!.start;
          const period = { start: t0 + offset, end: t0 + offset + length, energyMilliWh };
          const { n, d } = exact(period, spans, w);
          // A cost beyond exact doubles is refused, not rounded.
          if (n / d > BigInt(Number.MAX_SAFE_INTEGER) || -n / d > BigInt(Number.MAX_SAFE_INTEGER)) {
            expect(() => chargeConsumption(period, spans, w)).toThrow(/too large/);
            return;
          }
          const charge = chargeConsumption(period, spans, w);
          expect(charge.parts.reduce((a, p) => a + p.amountMicro, 0)).toBe(charge.totalMicro);
          expect(charge.uncoveredMs).toBe(Math.max(0, period.end - spans.at(-1)!.end));
          // |total − n/d| ≤ 1/2  ⇔  |2·total·d − 2n| ≤ d
          const diff = 2n * BigInt(charge.totalMicro) * d - 2n * n;
          expect(diff <= d && diff >= -d).toBe(true);
          for (const p of charge.parts)
            if (spans[p.span]!.priceMicro >= 0) expect(p.amountMicro).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('at one price, the split does not change the cost: E·P rounded once', () => {
    fc.assert(
      fc.property(
        spansArb,
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 1e12 }),
        (spans, e, price) => {
          const flat = spans.map((s) => ({ ...s, priceMicro: price }));
          const period = { start: spans[0]!.start, end: spans.at(-1)!.end, energyMilliWh: e };
          const whole = chargeConsumption(
            period,
            [{ start: period.start, end: period.end, priceMicro: price }],
            1_000_000,
          );
          expect(chargeConsumption(period, flat, 1_000_000).totalMicro).toBe(whole.totalMicro);
        },
      ),
    );
  });

  it('1 kWh at $40/MWh costs 4 cents, split pro rata over two intervals', () => {
    const hour = 3_600_000;
    const charge = chargeConsumption(
      { start: 0, end: hour, energyMilliWh: 1_000_000 },
      [
        { start: 0, end: hour / 4, priceMicro: 40e6 },
        { start: hour / 4, end: hour, priceMicro: 80e6 },
      ],
      1_000_000,
    );
    // A quarter of the kWh at $40/MWh (1 cent) and three quarters at $80/MWh (6 cents).
    expect(charge.parts).toEqual([
      { span: 0, amountMicro: 10_000 },
      { span: 1, amountMicro: 60_000 },
    ]);
    expect(charge.totalMicro).toBe(70_000);
  });

  it.each([
    [{ start: 10, end: 10, energyMilliWh: 1 }, /end must be after start/],
    [{ start: 0, end: 10, energyMilliWh: -1 }, /energy must be/],
    [{ start: 0, end: 10, energyMilliWh: 0.5 }, /energy must be/],
  ])('refuses the period %j', (period, message) => {
    expect(() => chargeConsumption(period, [], 1)).toThrow(message);
  });

  it('refuses overlapping spans and reports time no span covers', () => {
    expect(() =>
      chargeConsumption(
        { start: 0, end: 10, energyMilliWh: 1 },
        [
          { start: 0, end: 6, priceMicro: 1 },
          { start: 5, end: 10, priceMicro: 1 },
        ],
        1,
      ),
    ).toThrow(/overlaps/);
    expect(
      chargeConsumption({ start: 0, end: 10, energyMilliWh: 1 }, [{ start: 2, end: 5, priceMicro: 1 }], 1)
        .uncoveredMs,
    ).toBe(7);
  });

  it.each([
    ['$/MWh', 1_000_000],
    ['$/kWh', 1_000],
    ['XOF/Wh', 1],
    ['$', null],
    ['$/MW', null],
  ])('whPerPriceUnit(%j) is %j', (unit, expected) => {
    expect(whPerPriceUnit(unit)).toBe(expected);
  });
});
