import type { OrderLimits } from '../engine/order-limits.js';
import type { ApiContext } from './context.js';
import type { DeviceMarketInterval, TallyChange } from './device-tallies.js';
import { ErrorCode } from './error-codes.js';
import { fail } from './errors.js';

/** The limits an order is held to when it is placed and whenever it changes. */

/** Refuses (400 INVALID) an order beyond its market's order-quantity-max or order-price-max. */
export function checkOrder(limits: OrderLimits, quantity: number, price: number): void {
  const maxQuantity = limits['order-quantity-max'];
  if (quantity > maxQuantity) {
    throw fail(
      ErrorCode.INVALID,
      `body.quantity must be at most ${maxQuantity} (order-quantity-max of this market), not ${quantity}`,
    );
  }
  const maxPrice = limits['order-price-max'];
  if (Math.abs(price) > maxPrice) {
    throw fail(
      ErrorCode.INVALID,
      `body.price must be from -${maxPrice} to ${maxPrice} (order-price-max of this market), not ${price}`,
    );
  }
}

/**
 * Writes an order change counted against its device's limits first: refused (409
 * ORDER_LIMIT) beyond them, uncounted again if the write fails.
 */
export async function withinDeviceLimits<T>(
  ctx: ApiContext,
  at: DeviceMarketInterval,
  limits: OrderLimits,
  change: TallyChange,
  write: () => Promise<T>,
): Promise<T> {
  const undo = await ctx.deviceTallies.reserve(at, limits, change);
  try {
    return await write();
  } catch (err) {
    undo();
    throw err;
  }
}
