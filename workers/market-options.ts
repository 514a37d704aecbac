import { type ClearOptions, SPECIAL_MODES, type SpecialMode } from '../engine/index.js';
import { ErrorCode, TessError } from '../engine/errors.js';
import { isValidInterval } from '../engine/intervals.js';
import type { Market } from '../storage/index.js';

/** @defaultValue 300 s, the seed's `interval` */
export const DEFAULT_INTERVAL_SECONDS = 300;

function number(market: Market, name: string): number | undefined {
  const text = market.config[name];
  if (text === undefined || text === null || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new TessError(
      ErrorCode.INVALID,
      `system ${market.system}: config ${name} must be a number, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** The market's interval in seconds, from its system's `interval` config. */
export function intervalSeconds(market: Market): number {
  const seconds = number(market, 'interval') ?? DEFAULT_INTERVAL_SECONDS;
  if (!isValidInterval(seconds)) {
    throw new TessError(
      ErrorCode.INVALID,
      `system ${market.system}: config interval must be whole seconds from 1 to 86400, not ${seconds}`,
    );
  }
  return seconds;
}

/** Clearing options from the system's config (`price-cap`, `clearing-scalar`, `special-mode`, …). */
export function clearOptions(market: Market, seconds: number): ClearOptions {
  const mode = market.config['special-mode'] ?? undefined;
  if (mode && !SPECIAL_MODES.includes(mode as SpecialMode)) {
    throw new TessError(
      ErrorCode.INVALID,
      `system ${market.system}: config special-mode must be one of ${SPECIAL_MODES.join(', ')}`,
    );
  }
  const options: Record<string, unknown> = { interval: seconds };
  const cap = number(market, 'price-cap');
  const scalar = number(market, 'clearing-scalar');
  const fixedPrice = number(market, 'fixed-price');
  const fixedQuantity = number(market, 'fixed-quantity');
  if (cap !== undefined) options['priceCap'] = cap;
  if (scalar !== undefined) options['clearingScalar'] = scalar;
  if (mode) options['specialMode'] = mode;
  if (fixedPrice !== undefined) options['fixedPrice'] = fixedPrice;
  if (fixedQuantity !== undefined) options['fixedQuantity'] = fixedQuantity;
  return options as ClearOptions;
}
