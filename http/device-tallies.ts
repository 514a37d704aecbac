import { ErrorCode } from './error-codes.js';
import type { OrderLimits } from '../engine/order-limits.js';
import type { Database } from '../storage/index.js';
import { fail } from './errors.js';
import { RecentMap } from './recent-map.js';

/** Tallies kept at once; an evicted one is read from the database again when next needed. */
const LIMIT = 200_000;
const MICRO = 1_000_000;

/** One interval of one market for one device. */
export interface DeviceMarketInterval {
  readonly deviceId: number;
  readonly resourceId: number;
  readonly intervalStart: Date;
}

/** A change to what a device holds: orders added (or removed) and quantity added (or removed). */
export interface TallyChange {
  readonly orders: number;
  readonly quantity: number;
}

interface Tally {
  orders: number;
  /** Total quantity in micro-units, so that additions and removals cancel exactly. */
  micro: number;
}

/**
 * What each device holds in each open interval of each market (orders not cancelled and
 * their total quantity), counted in this process so that checking device-orders-max and
 * device-quantity-max costs no query per order. A tally is read from the database on its
 * first use (one indexed query per device, market and interval) and then follows the
 * orders this process accepts, changes and cancels. Orders placed through other API
 * processes at the same time are not seen: the limits are best-effort at intake, and the
 * market runtime enforces them again when it reads the book.
 */
export class DeviceTallies {
  private readonly tallies = new RecentMap<string, Promise<Tally>>(LIMIT);

  constructor(private readonly db: Database) {}

  private tally(at: DeviceMarketInterval): Promise<Tally> {
    const key = `${at.deviceId}:${at.resourceId}:${at.intervalStart.getTime()}`;
    const hit = this.tallies.get(key);
    if (hit) return hit;
    const loading = this.db
      .deviceIntervalOrders(at.deviceId, at.resourceId, at.intervalStart)
      .then((held) => ({ orders: held.orders, micro: Math.round(held.quantity * MICRO) }));
    this.tallies.set(key, loading);
    // A failed read is not kept: the next order reads again.
    loading.catch(() => {
      if (this.tallies.get(key) === loading) this.tallies.delete(key);
    });
    return loading;
  }

  /**
   * Counts a change before it is written, refusing it (409 ORDER_LIMIT) when it would take
   * the device past its limits; a change that only lowers what the device holds always
   * passes. Returns the undo, for a write that then fails.
   */
  async reserve(at: DeviceMarketInterval, limits: OrderLimits, change: TallyChange): Promise<() => void> {
    const t = await this.tally(at);
    const micro = Math.round(change.quantity * MICRO);
    // From here to the update nothing awaits: concurrent requests cannot both pass.
    const where = `device ${at.deviceId} in the interval from ${at.intervalStart.toISOString()}`;
    const maxOrders = limits['device-orders-max'];
    if (change.orders > 0 && t.orders + change.orders > maxOrders) {
      throw fail(
        ErrorCode.ORDER_LIMIT,
        `${where} holds ${t.orders} orders of this market: device-orders-max is ${maxOrders}`,
      );
    }
    const maxMicro = Math.round(limits['device-quantity-max'] * MICRO);
    if (micro > 0 && t.micro + micro > maxMicro) {
      throw fail(
        ErrorCode.ORDER_LIMIT,
        `${where} bids ${t.micro / MICRO} of this market: ${change.quantity} more would pass device-quantity-max ${limits['device-quantity-max']}`,
      );
    }
    t.orders += change.orders;
    t.micro += micro;
    let undone = false;
    return () => {
      if (undone) return;
      undone = true;
      t.orders -= change.orders;
      t.micro -= micro;
    };
  }
}
