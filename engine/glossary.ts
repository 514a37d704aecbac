/**
 * Glossary of the market engine.
 *
 * - interval: a span of time (by default 300 s) for which a market clears once; its length
 *   Δt in hours turns a cleared power quantity into energy and money (price · quantity · Δt).
 * - market: one place where buy and sell orders for the same product and interval meet and
 *   clear at one uniform price (mechanism AUCTION).
 * - order: a limit order of a device in a market and interval: side (buy or sell), price
 *   (currency per quantity unit) and quantity (> 0, exact to 1e-6 of the unit). A buy at
 *   +price_cap is unresponsive demand, a sell at -price_cap unresponsive supply.
 * - clearing: finding the price and quantity where the demand curve (buys by descending
 *   price) meets the supply curve (sells by ascending price), by GridLAB-D's auction rules.
 * - clearing type: how the curves met. BUYER: a buy is marginal and sets the price; SELLER:
 *   a sell is marginal; EXACT: a buy and a sell at the same price end together; PRICE: the
 *   curves meet on a vertical step and the price is chosen between the last accepted buy and
 *   sell; NULL: nothing clears; FAILURE: unresponsive demand (or supply) cannot be met and the
 *   price goes to the cap.
 * - marginal quantity / fraction: for BUYER or SELLER clearings, how much of the orders
 *   exactly at the price is taken, absolutely and as a fraction of their total.
 * - fill: the quantity of one order that clears (0 up to the order's quantity).
 * - settlement: the amount of each fill (buys pay, sells receive, price · fill · Δt, exact to
 *   1e-6 currency and summing to zero per market), and of each meter reading's deviation
 *   from the device's fills.
 * - as-of: the time at which a fact was known; the ledger is append-only, so a result is
 *   always read "as of" a time, and clearing the same book again gives the same result.
 */
export const GLOSSARY_TERMS = [
  'interval',
  'market',
  'order',
  'clearing',
  'clearing type',
  'marginal quantity',
  'fill',
  'settlement',
  'as-of',
] as const;
