import { ErrorCode, TessError } from './errors.js';

/**
 * Settlement: what each fill pays or receives, and what a meter reading's deviation from
 * its fills costs. Money is exact in integer micro-units of currency.
 *
 * For one side of a market with price P and interval Δt hours, walking the filled orders in
 * a fixed order (price priority, then id) with C_i the cumulative filled micro-quantity,
 *   amount_i = round(P·Δt·C_i) − round(P·Δt·C_(i−1))      (micro-currency)
 * The amounts of a side telescope to round(P·Δt·Q), the same number on both sides, so a
 * buy side paying and a sell side receiving sum to exactly zero.
 */

/** Rounds to the nearest integer, halves away from zero (so round(-x) = -round(x)). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Converts an interval length in seconds to hours (Δt). */
export function intervalHours(seconds: number): number {
  return seconds / 3600;
}

/**
 * Settles one sorted side: walks positions [from, to) in order, and for each filled position
 * writes the fill and its amount to the order's input index (`order[position]`). `sign` is -1
 * for buys (they pay) and +1 for sells. Returns the side's total in micro-currency (before
 * the sign), round(P·Δt·Σfills).
 */
export function settleSide(
  order: Uint32Array,
  from: number,
  to: number,
  sortedFills: Float64Array,
  pricePerMicroHour: number,
  sign: 1 | -1,
  fills: Float64Array,
  amounts: Float64Array,
): number {
  let cumulative = 0;
  let previous = 0;
  for (let p = from; p < to; p++) {
    const fill = sortedFills[p]!;
    if (fill === 0) continue;
    cumulative += fill;
    const next = roundHalfAway(pricePerMicroHour * cumulative);
    const index = order[p]!;
    fills[index] = fill;
    amounts[index] = sign * (next - previous) + 0;
    previous = next;
  }
  return previous;
}

/** Checks that P·Δt·Q stays where doubles hold integers exactly. */
export function checkSettlementRange(price: number, hours: number, quantityMicro: number): void {
  if (Math.abs(price * hours) * quantityMicro > Number.MAX_SAFE_INTEGER) {
    throw new TessError(
      ErrorCode.INVALID,
      `market value ${price} × ${hours} h × ${quantityMicro / 1e6} is too large to settle exactly to 1e-6`,
    );
  }
}

export interface MeterInput {
  /** Metered energy of the device over the interval: consumption > 0, production < 0. */
  readonly metered: number;
  /** Σ of the device's buy fills in the interval, in micro-units of quantity. */
  readonly boughtMicro: number;
  /** Σ of the device's sell fills in the interval, in micro-units of quantity. */
  readonly soldMicro: number;
  /** The interval's clearing price. */
  readonly price: number;
  /** Interval length in seconds. */
  readonly intervalSeconds: number;
}

export interface MeterSettlement {
  /** Energy the fills committed: (bought − sold) · Δt. */
  readonly committed: number;
  /** metered − committed. */
  readonly deviation: number;
  /** −deviation · P in micro-currency (rounded half away from zero). */
  readonly amountMicro: number;
  /** amountMicro / 1e6. */
  readonly amount: number;
}

/**
 * Settles a meter reading against the device's fills at the interval's price: a device that
 * used more than it bought pays for the difference, one that used less is paid for it. A
 * device without orders pays (or, producing, receives) its whole metered energy.
 */
export function settleMeter(input: MeterInput): MeterSettlement {
  const { metered, boughtMicro, soldMicro, price, intervalSeconds } = input;
  for (const [name, value] of Object.entries(input)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TessError(ErrorCode.INVALID, `meter settlement: ${name} must be a finite number`);
    }
  }
  if (!(intervalSeconds > 0))
    throw new TessError(ErrorCode.INVALID, 'meter settlement: intervalSeconds must be > 0');
  // Energy in micro-units: the committed part is (bought − sold) micro-units of power for Δt hours.
  const committedMicro = ((boughtMicro - soldMicro) * intervalSeconds) / 3600;
  const deviationMicro = metered * 1e6 - committedMicro;
  const amountMicro = roundHalfAway(-deviationMicro * price) + 0;
  return {
    committed: committedMicro / 1e6,
    deviation: deviationMicro / 1e6,
    amountMicro,
    amount: amountMicro / 1e6,
  };
}
