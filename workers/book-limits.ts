import { toMicro } from '../engine/index.js';
import type { OrderLimits } from '../engine/order-limits.js';
import type { OpenOrders } from '../storage/index.js';

/**
 * The orders of a book that the market's order limits (engine/order-limits.ts) let in.
 * The API checks the limits when an order arrives, but only as well as one process can:
 * orders written around it, or accepted by several API processes at once, can add up
 * past them. So the runtime checks again here, walking the book by order_id (the order
 * of arrival): an order is kept when it is within the per-order limits and, with the
 * device's orders kept before it, within the device's limits for the interval; any other
 * is left out of the book (it is written CLEARED with fill 0, like the engine's rejected
 * orders). Returns the indexes kept, in book order.
 */
export function ordersWithinLimits(book: OpenOrders, limits: OrderLimits): number[] {
  const count = new Map<number, number>();
  const totalMicro = new Map<number, number>();
  const quantityMax = toMicro(limits['order-quantity-max']);
  const deviceMax = toMicro(limits['device-quantity-max']);
  const kept: number[] = [];
  for (let i = 0; i < book.n; i++) {
    const device = book.deviceIds[i]!;
    // Micro-units: sums of whole millionths compare exactly at the limit.
    const q = toMicro(book.quantities[i]!);
    const orders = (count.get(device) ?? 0) + 1;
    const total = (totalMicro.get(device) ?? 0) + q;
    if (
      !(q <= quantityMax) ||
      !(Math.abs(book.prices[i]!) <= limits['order-price-max']) ||
      orders > limits['device-orders-max'] ||
      !(total <= deviceMax)
    ) {
      continue;
    }
    count.set(device, orders);
    totalMicro.set(device, total);
    kept.push(i);
  }
  return kept;
}
