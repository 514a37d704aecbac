/**
 * The TESS market engine: pure functions from an order book to a clearing, fills and
 * settlement. No I/O, no clock, no database: worker threads, the HTTP layer, tests,
 * benchmarks and the command line all call these same functions.
 */
export {
  type AuctionOutcome,
  type AuctionParams,
  CLEARING_TYPES,
  type ClearingType,
  clearLevels,
  type Levels,
  PRICE_EPSILON,
  SPECIAL_MODES,
  type SpecialMode,
} from './auction.js';
export {
  allocateBook,
  BUY,
  bookFromOrders,
  fromMicro,
  MICRO,
  type OrderBook,
  type OrderInput,
  SELL,
  type Side,
  SIDES,
  type SideCode,
  toMicro,
} from './book.js';
export { type ClearedBook, type ClearResult, clearBook } from './clear.js';
export {
  type ClearOptions,
  DEFAULT_CLEARING_SCALAR,
  DEFAULT_INTERVAL,
  DEFAULT_PRICE_CAP,
} from './clear-options.js';
export { ClearScratch } from './clear-scratch.js';
export {
  type ClearInput,
  type ClearingFigures,
  type ClearOutput,
  type ClearOutputFill,
  clearJson,
  formatClearOutput,
  parseClearInput,
  validateClearInput,
} from './clear-input.js';
export { fillSide, shareLevel } from './fills.js';
export {
  checkSettlementRange,
  intervalHours,
  type MeterInput,
  type MeterSettlement,
  roundHalfAway,
  settleMeter,
  settleSide,
} from './settle.js';
export { bitsView, SortScratch, sortIndexesByValue } from './sort.js';
