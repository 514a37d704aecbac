import { ErrorCode, TessError } from './errors.js';

/**
 * Fills: how the cleared quantity is shared among one side's orders.
 *
 * The side's orders arrive sorted best price first, and within a price by id ascending,
 * grouped in levels. Whole levels are filled while they fit; the first level that does not
 * fit shares what is left pro rata, with the telescoping rule
 *   fill_i = round(R·C_i / L) − round(R·C_(i−1) / L)
 * (R the remainder, L the level's quantity, C_i the cumulative quantity of the level's
 * orders up to i), computed exactly on integers. The fills of a level then sum to exactly
 * R and no fill exceeds its order.
 */

/** Largest product handled with double arithmetic; beyond it BigInt is used. */
const SAFE_PRODUCT = 2 ** 52;

/** round(num / den) for non-negative integers num < 2^53, den > 0, halves rounded up; exact. */
function roundDiv(num: number, den: number): number {
  let q = Math.floor(num / den);
  let r = num - q * den;
  while (r < 0) {
    q--;
    r += den;
  }
  while (r >= den) {
    q++;
    r -= den;
  }
  return 2 * r >= den ? q + 1 : q;
}

/**
 * Shares `remainder` micro-units over the orders at positions [from, to) of a sorted side
 * whose quantities (by position) sum to `levelTotal` (> remainder), writing fills by position.
 */
export function shareLevel(
  from: number,
  to: number,
  quantities: Float64Array,
  levelTotal: number,
  remainder: number,
  fills: Float64Array,
): void {
  if (remainder * levelTotal <= SAFE_PRODUCT) {
    let cumulative = 0;
    let previous = 0;
    for (let p = from; p < to; p++) {
      cumulative += quantities[p]!;
      const next = roundDiv(remainder * cumulative, levelTotal);
      fills[p] = next - previous;
      previous = next;
    }
    return;
  }
  const r = BigInt(remainder);
  const l = BigInt(levelTotal);
  let cumulative = 0n;
  let previous = 0n;
  for (let p = from; p < to; p++) {
    cumulative += BigInt(quantities[p]!);
    const num = r * cumulative;
    let next = num / l;
    if (2n * (num - next * l) >= l) next += 1n;
    fills[p] = Number(next - previous);
    previous = next;
  }
}

/**
 * Fills `quantity` micro-units from one sorted side in price priority, over its first
 * `eligible` levels (those at least as good as the clearing price). Level k covers positions
 * levelStart[k]..levelStart[k+1]; `quantities` and `fills` are by position. Returns the end
 * of the positions written (fills beyond it are not touched and count as 0).
 */
export function fillSide(
  levelStart: Uint32Array,
  levelQuantities: Float64Array,
  eligible: number,
  quantities: Float64Array,
  quantity: number,
  fills: Float64Array,
): number {
  let remaining = quantity;
  let end = eligible > 0 ? levelStart[0]! : 0;
  for (let k = 0; k < eligible && remaining > 0; k++) {
    const from = levelStart[k]!;
    const to = levelStart[k + 1]!;
    const total = levelQuantities[k]!;
    if (total <= remaining) {
      for (let p = from; p < to; p++) fills[p] = quantities[p]!;
      remaining -= total;
    } else {
      shareLevel(from, to, quantities, total, remaining, fills);
      remaining = 0;
    }
    end = to;
  }
  if (remaining !== 0) {
    throw new TessError(
      ErrorCode.INTERNAL,
      `cleared quantity exceeds the orders at the clearing price by ${remaining}`,
    );
  }
  return end;
}
