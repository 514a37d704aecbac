import type { OrderBook } from './book.js';
import type { ClearResult } from './clear.js';

/**
 * Clears a book without its rejected orders (see `sideLimitMicro`): `clear` gets a copy of
 * the rest (rejections are rare, so the common path pays nothing), and its fills and
 * amounts are reported by the full book's input indexes, 0 for the rejected orders.
 */
export function clearAdmitted(
  book: OrderBook,
  rejected: readonly number[],
  clear: (admitted: OrderBook) => ClearResult,
): ClearResult {
  const n = book.n;
  const m = n - rejected.length;
  const kept = new Uint32Array(m);
  const out = new Uint8Array(n);
  for (const k of rejected) out[k] = 1;
  for (let k = 0, j = 0; k < n; k++) if (!out[k]) kept[j++] = k;
  const pick = <A extends Float64Array | Uint8Array>(column: A, make: (size: number) => A): A => {
    const copy = make(m);
    for (let j = 0; j < m; j++) copy[j] = column[kept[j]!]!;
    return copy;
  };
  const admitted: OrderBook = {
    n: m,
    ids: pick(book.ids, (size) => new Float64Array(size)),
    sides: pick(book.sides, (size) => new Uint8Array(size)),
    prices: pick(book.prices, (size) => new Float64Array(size)),
    quantities: pick(book.quantities, (size) => new Float64Array(size)),
  };
  const r = clear(admitted);
  const fills = new Float64Array(n);
  const amounts = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    fills[kept[j]!] = r.fills[j]!;
    amounts[kept[j]!] = r.amounts[j]!;
  }
  return { ...r, fills, amounts, rejected };
}
