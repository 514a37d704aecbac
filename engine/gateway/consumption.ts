import { ErrorCode, TessError } from '../errors.js';

/**
 * What a circuit's consumption costs. A log period [start, end) reports energy E; the
 * prices in force over it (market intervals, or tariff windows where there is no market)
 * are spans [s_i, e_i) at price P_i per price-unit of energy (e.g. $/MWh). The period's
 * energy is taken as spread evenly over it, so span i carries E·o_i/D of it (o_i its
 * overlap with the period, D the period's length) and costs E·o_i·P_i/(D·W), W the
 * watt-hours in the price's energy unit.
 *
 * Amounts are exact integer micro-units of currency, computed on integers (energy in
 * milli-watt-hours, prices in micro-units, times in milliseconds) and rounded with the
 * telescoping rule of engine/settle.ts over the running total, so the parts of a period
 * sum to exactly the rounded cost of the whole: nothing is lost or made in the split.
 */

export interface PriceSpan {
  /** Span start, ms since the epoch. */
  readonly start: number;
  /** Span end (exclusive), ms since the epoch. */
  readonly end: number;
  /** Price per price-unit of energy, in micro-units of currency (integer). */
  readonly priceMicro: number;
}

export interface ConsumptionPeriod {
  readonly start: number;
  readonly end: number;
  /** Energy used over the period, in milli-watt-hours (integer, ≥ 0). */
  readonly energyMilliWh: number;
}

export interface ChargePart {
  /** Index of the span in the caller's list. */
  readonly span: number;
  /** What the period owes for its part in that span, micro-units of currency (≥ 0 for prices ≥ 0). */
  readonly amountMicro: number;
}

export interface Charge {
  readonly parts: readonly ChargePart[];
  /** Σ parts, micro-units of currency. */
  readonly totalMicro: number;
  /** Milliseconds of the period no span covers (0 when the prices are all known). */
  readonly uncoveredMs: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** round(n / d) for BigInts, d > 0, halves away from zero (engine/settle.ts roundHalfAway). */
function roundDivHalfAway(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const q = (2n * a + d) / (2n * d);
  return neg ? -q : q;
}

/**
 * The cost of one period's energy under `spans` (sorted by start, not overlapping).
 * `whPerPriceUnit` is W: 1 for a price per Wh, 1,000 per kWh, 1,000,000 per MWh.
 */
export function chargeConsumption(
  period: ConsumptionPeriod,
  spans: readonly PriceSpan[],
  whPerPriceUnit: number,
): Charge {
  const { start, end, energyMilliWh } = period;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end <= start) {
    throw new TessError(ErrorCode.INVALID, 'consumption period: end must be after start');
  }
  if (!Number.isSafeInteger(energyMilliWh) || energyMilliWh < 0) {
    throw new TessError(ErrorCode.INVALID, 'consumption period: energy must be a whole number of mWh ≥ 0');
  }
  if (!Number.isSafeInteger(whPerPriceUnit) || whPerPriceUnit < 1) {
    throw new TessError(
      ErrorCode.INVALID,
      'consumption: watt-hours per price unit must be a whole number ≥ 1',
    );
  }
  const den = 1000n * BigInt(end - start) * BigInt(whPerPriceUnit);
  const energy = BigInt(energyMilliWh);
  const parts: ChargePart[] = [];
  let covered = 0;
  let cumulative = 0n;
  let previous = 0n;
  let last = Number.NEGATIVE_INFINITY;
  for (const [i, span] of spans.entries()) {
    if (!Number.isSafeInteger(span.priceMicro)) {
      throw new TessError(ErrorCode.INVALID, `price span ${i}: price must be whole micro-units`);
    }
    if (span.start < last) throw new TessError(ErrorCode.INVALID, `price span ${i} overlaps the one before`);
    const from = Math.max(span.start, start);
    const to = Math.min(span.end, end);
    last = Math.max(last, span.end);
    if (to <= from) continue;
    covered += to - from;
    cumulative += energy * BigInt(to - from) * BigInt(span.priceMicro);
    const next = roundDivHalfAway(cumulative, den);
    if (next > MAX_SAFE || next < -MAX_SAFE) {
      throw new TessError(ErrorCode.INVALID, 'consumption: the cost is too large to hold exactly');
    }
    parts.push({ span: i, amountMicro: Number(next - previous) });
    previous = next;
  }
  return { parts, totalMicro: Number(previous), uncoveredMs: end - start - covered };
}

/**
 * Watt-hours in the energy unit a price unit names after its slash ("$/MWh" → 1,000,000),
 * or null when it names none TESS knows.
 */
export function whPerPriceUnit(priceUnit: string): number | null {
  const unit = priceUnit.split('/')[1]?.trim();
  return unit === undefined
    ? null
    : (({ Wh: 1, kWh: 1_000, MWh: 1_000_000, GWh: 1_000_000_000 } as Record<string, number>)[unit] ?? null);
}
