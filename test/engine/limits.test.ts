import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUY, bookFromOrders, clearBook, type OrderInput } from '../../engine/index.js';
import { sideLimitMicro } from '../../engine/book-scan.js';
import { clearJson } from '../../engine/clear-input.js';

const HOURS = 300 / 3600;
const LIMIT = sideLimitMicro(9999, HOURS);

/** Quantities across the whole range a double can hold in whole micro-units, weighted to the edges. */
const quantity = fc.oneof(
  fc.integer({ min: 1, max: 5_000_000 }).map((q) => q / 1e6),
  fc.integer({ min: 1, max: 1000 }),
  fc
    .double({ min: 1, max: Number.MAX_SAFE_INTEGER / 1e6, noNaN: true })
    .map((q) => Math.round(q * 1e6) / 1e6),
  fc.constantFrom(LIMIT / 1e6, (LIMIT + 1) / 1e6, Number.MAX_SAFE_INTEGER / 1e6),
);
const orders = fc
  .array(
    fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      price: fc.integer({ min: -20, max: 60 }),
      quantity,
    }),
    { maxLength: 30 },
  )
  .map((list) => list.map((o, k): OrderInput => ({ ...o, id: k + 1 })));

describe('no single order stops a market', () => {
  it('an order its side cannot hold is left out; the rest clear as without it', () => {
    const normal: OrderInput[] = [
      { id: 1, side: 'buy', price: 50, quantity: 3 },
      { id: 2, side: 'sell', price: 20, quantity: 2 },
      { id: 4, side: 'sell', price: 30, quantity: 4 },
    ];
    const huge: OrderInput = { id: 3, side: 'buy', price: 60, quantity: 1e10 };
    const withHuge = clearBook(bookFromOrders([...normal.slice(0, 2), huge, normal[2]!]));
    const without = clearBook(bookFromOrders(normal));
    expect(withHuge.rejected).toEqual([2]);
    expect(withHuge.fills[2]).toBe(0);
    expect(withHuge.amounts[2]).toBe(0);
    expect(withHuge.price).toBe(without.price);
    expect([withHuge.fills[0], withHuge.fills[1], withHuge.fills[3]]).toEqual([...without.fills]);
    // The command line takes quantities up to 2^53 micro-units; 2e7 MW is past a side's limit.
    const json = [...normal, { ...huge, quantity: 2e7 }].map((o) => ({ ...o, id: `o${o.id}` }));
    expect(JSON.parse(clearJson(JSON.stringify({ orders: json }))).rejected).toEqual(['o3']);
  });

  it('property: any book, quantities up to 2^53 micro-units, clears; energy and money conserve', () => {
    fc.assert(
      fc.property(orders, (list) => {
        const book = bookFromOrders(list);
        const r = clearBook(book);
        let buyTotal = 0;
        let sellTotal = 0;
        let buy = 0;
        let sell = 0;
        let money = 0;
        const out = new Set(r.rejected);
        for (let k = 0; k < book.n; k++) {
          if (out.has(k)) {
            expect(r.fills[k]).toBe(0);
            continue;
          }
          const q = book.quantities[k]!;
          if (book.sides[k] === BUY) {
            buyTotal += q;
            buy += r.fills[k]!;
          } else {
            sellTotal += q;
            sell += r.fills[k]!;
          }
          money += r.amounts[k]!;
        }
        expect(buyTotal).toBeLessThanOrEqual(LIMIT);
        expect(sellTotal).toBeLessThanOrEqual(LIMIT);
        expect(buy).toBe(sell);
        expect(money).toBe(0);
        // Rejections are only ever of orders that would have passed the limit.
        for (const k of r.rejected) expect(book.quantities[k]! > 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
