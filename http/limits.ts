/**
 * Bounds on the numbers a client sends. Every number from outside reaches arithmetic
 * (the auction multiplies quantity by price in micro-units, group commit writes a batch
 * under one CHECK), so each has a finite range checked where it enters: a value beyond
 * it, or one that JSON parsing turned into Infinity, is refused with 400 INVALID before
 * it can fail a batch or overflow a sum. README "Access" lists them.
 */

/** Largest quantity of one order, in the resource's quantity unit. */
export const MAX_ORDER_QUANTITY = 1_000_000;

/**
 * Largest |price| of an order, in the resource's price unit. Fixed rather than the
 * market's price_cap: a price beyond the cap is meaningful (it counts as the cap,
 * unresponsive demand or supply), and the cap is a setting that may change.
 */
export const MAX_ORDER_PRICE = 1_000_000;

/** Largest |quantity| of one meter reading (one device, one interval). */
export const MAX_METER_QUANTITY = 1_000_000_000;

/**
 * Longest text value of a table column (a setting's or preference's value, a name): a
 * row is read on every request that touches it and copied into every dump, so a client
 * may not store a 250-kB value where a few words belong.
 */
export const MAX_TEXT_LENGTH = 4096;
