import { ErrorCode, TessError } from './errors.js';

/**
 * Limits on what one device may bid in one interval of one market. They are market
 * config (a system's `config` table): the plain name applies to every resource of the
 * system, and `<resource>:<name>` (e.g. `capacity:order-quantity-max`) to one resource,
 * winning over the plain name. The API refuses an order beyond them when it arrives; the
 * runtime enforces them again when it reads the book (orders written around the API,
 * or by several API processes at once, cannot add up past them), leaving the excess out.
 *
 * Each limit is a finite positive number no larger than its ceiling: the ceilings keep the
 * auction's sums exact (quantity × price in micro-units within 2^53 per side for the
 * books a market can hold), so config can tighten a limit but never loosen it past them.
 */
export const ORDER_LIMITS = {
  /** Largest quantity of one order, in the resource's quantity unit. */
  'order-quantity-max': { default: 1_000_000, ceiling: 1_000_000 },
  /** Largest |price| of one order, in the resource's price unit. */
  'order-price-max': { default: 1_000_000, ceiling: 1_000_000 },
  /** Most orders one device may hold open in one interval of one market. */
  'device-orders-max': { default: 100, ceiling: 10_000 },
  /** Largest total quantity one device may bid (both sides together) in one interval of one market. */
  'device-quantity-max': { default: 1_000_000, ceiling: 1_000_000 },
} as const;

export type OrderLimitName = keyof typeof ORDER_LIMITS;
export type OrderLimits = Readonly<Record<OrderLimitName, number>>;
export const ORDER_LIMIT_NAMES = Object.keys(ORDER_LIMITS) as OrderLimitName[];

/** The config names that can hold a limit for `resource`: per resource, then system-wide. */
export function orderLimitKeys(resource: string, name: OrderLimitName): readonly [string, string] {
  return [`${resource}:${name}`, name];
}

/**
 * The limits of one market from its system's config values (by name). A value that is
 * not a finite number in (0, ceiling] is an error naming the config entry: a limit that
 * cannot be read must not silently become no limit.
 */
export function orderLimits(
  config: Readonly<Record<string, string | null | undefined>>,
  resource: string,
): OrderLimits {
  const out = {} as Record<OrderLimitName, number>;
  for (const name of ORDER_LIMIT_NAMES) {
    const { default: fallback, ceiling } = ORDER_LIMITS[name];
    let value: number = fallback;
    for (const key of orderLimitKeys(resource, name)) {
      const text = config[key];
      if (text === undefined || text === null || text === '') continue;
      const n = Number(text);
      if (!Number.isFinite(n) || n <= 0 || n > ceiling) {
        throw new TessError(
          ErrorCode.INVALID,
          `config ${key} must be a number above 0 and at most ${ceiling}, not ${JSON.stringify(text)}`,
        );
      }
      value = n;
      break;
    }
    out[name] = value;
  }
  return Object.freeze(out);
}
