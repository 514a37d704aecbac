import { SPECIAL_MODES, type SpecialMode } from './auction.js';
import { toMicro } from './book.js';
import { invalid } from './errors.js';

export interface ClearOptions {
  /** Prices beyond ±price_cap count as ±price_cap; +cap buys are unresponsive demand. Default 9999. */
  readonly priceCap?: number;
  /** Where a NULL or PRICE clearing puts the price between buy and sell (0 = sell, 1 = buy). Default 0.5. */
  readonly clearingScalar?: number;
  /** Default NONE. */
  readonly specialMode?: SpecialMode;
  /** BUYERS_ONLY / SELLERS_ONLY: the counterpart's fixed price (used when fixedQuantity is 0). Default 0. */
  readonly fixedPrice?: number;
  /** BUYERS_ONLY / SELLERS_ONLY: the counterpart's fixed quantity, in quantity units. Default 0. */
  readonly fixedQuantity?: number;
  /** Interval length in seconds (settlement uses Δt = interval / 3600 hours). Default 300. */
  readonly interval?: number;
}

export const DEFAULT_PRICE_CAP = 9999;
export const DEFAULT_CLEARING_SCALAR = 0.5;
export const DEFAULT_INTERVAL = 300;

/** The options with their defaults filled in, checked, and the fixed quantity in micro-units. */
export interface ResolvedOptions {
  readonly priceCap: number;
  readonly clearingScalar: number;
  readonly specialMode: SpecialMode;
  readonly fixedPrice: number;
  readonly fixedQuantityMicro: number;
  readonly interval: number;
}

function finiteOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${name} must be a finite number`);
  return value;
}

/** Fills in the defaults and range-checks every option; throws TessError INVALID. */
export function resolveOptions(options: ClearOptions): ResolvedOptions {
  const priceCap = finiteOption(options.priceCap, DEFAULT_PRICE_CAP, 'price_cap');
  if (!(priceCap > 0)) throw invalid('price_cap must be > 0');
  const clearingScalar = finiteOption(options.clearingScalar, DEFAULT_CLEARING_SCALAR, 'clearing_scalar');
  if (clearingScalar < 0 || clearingScalar > 1) throw invalid('clearing_scalar must be between 0 and 1');
  const specialMode = options.specialMode ?? 'NONE';
  if (!SPECIAL_MODES.includes(specialMode)) {
    throw invalid(`special_mode must be one of ${SPECIAL_MODES.join(', ')}, not ${String(specialMode)}`);
  }
  const fixedPrice = finiteOption(options.fixedPrice, 0, 'fixed_price');
  const fixedQuantity = finiteOption(options.fixedQuantity, 0, 'fixed_quantity');
  if (fixedQuantity < 0) throw invalid('fixed_quantity must be >= 0');
  const interval = finiteOption(options.interval, DEFAULT_INTERVAL, 'interval');
  if (!(interval > 0)) throw invalid('interval must be > 0 seconds');
  return {
    priceCap,
    clearingScalar,
    specialMode,
    fixedPrice,
    fixedQuantityMicro: toMicro(fixedQuantity),
    interval,
  };
}
