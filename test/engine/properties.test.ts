import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUY,
  bookFromOrders,
  type ClearOptions,
  type ClearResult,
  clearBook,
  type OrderBook,
  type OrderInput,
  roundHalfAway,
  settleMeter,
} from '../../engine/index.js';

const CAP = 9999;

// Prices on a coarse grid (many ties), now and then at or beyond the cap.
const price = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 40 }).map((p) => p / 2) },
  { weight: 1, arbitrary: fc.constantFrom(CAP, -CAP, CAP + 5, -CAP - 5) },
  { weight: 1, arbitrary: fc.integer({ min: -10, max: -1 }) },
);
// Quantities in whole micro-units, from tiny to a few units.
const quantity = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((q) => q / 1e6),
  fc.integer({ min: 1, max: 12 }),
  fc.integer({ min: 1, max: 5_000_000 }).map((q) => q / 1e6),
);
const order = fc.record({ side: fc.constantFrom('buy' as const, 'sell' as const), price, quantity });

/** Orders with unique ids (a random set of ids, in random order). */
const orders = fc
  .array(order, { maxLength: 40 })
  .chain((list) =>
    fc
      .uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: list.length, maxLength: list.length })
      .map((ids) => list.map((o, k): OrderInput => ({ ...o, id: ids[k]! }))),
  );

const interval = fc.constantFrom(300, 900, 3600, 60);

const clamp = (p: number) => Math.max(-CAP, Math.min(CAP, p));

function sums(book: OrderBook, result: ClearResult) {
  let buy = 0;
  let sell = 0;
  let amounts = 0;
  let buyAmounts = 0;
  for (let k = 0; k < book.n; k++) {
    if (book.sides[k] === BUY) {
      buy += result.fills[k]!;
      buyAmounts += result.amounts[k]!;
    } else sell += result.fills[k]!;
    amounts += result.amounts[k]!;
  }
  return { buy, sell, amounts, buyAmounts };
}

/** True for the one documented case where a better-priced order may stay unfilled. */
function onlyUnresponsiveCleared(book: OrderBook, result: ClearResult): boolean {
  if (result.type !== 'PRICE' || result.price !== 0) return false;
  let unresponsiveBuy = 0;
  for (let k = 0; k < book.n; k++) {
    if (book.sides[k] === BUY && clamp(book.prices[k]!) === CAP) unresponsiveBuy += book.quantities[k]!;
  }
  return unresponsiveBuy === result.quantityMicro;
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed >>> 0 || 1;
  for (let k = out.length - 1; k > 0; k--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (k + 1);
    [out[k], out[j]] = [out[j]!, out[k]!];
  }
  return out;
}

describe('clearing invariants', () => {
  it('both sides fill exactly the cleared quantity, within each order, in integers', () => {
    fc.assert(
      fc.property(orders, interval, (list, seconds) => {
        const book = bookFromOrders(list);
        const result = clearBook(book, { interval: seconds });
        const { buy, sell } = sums(book, result);
        expect(buy).toBe(result.quantityMicro);
        expect(sell).toBe(result.quantityMicro);
        for (let k = 0; k < book.n; k++) {
          const fill = result.fills[k]!;
          expect(Number.isInteger(fill)).toBe(true);
          expect(fill).toBeGreaterThanOrEqual(0);
          expect(fill).toBeLessThanOrEqual(book.quantities[k]!);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('fills every order better than the price and none worse', () => {
    fc.assert(
      fc.property(orders, (list) => {
        const book = bookFromOrders(list);
        const result = clearBook(book);
        const p = result.price;
        const exempt = onlyUnresponsiveCleared(book, result);
        for (let k = 0; k < book.n; k++) {
          const limit = clamp(book.prices[k]!);
          const fill = result.fills[k]!;
          const buy = book.sides[k] === BUY;
          const better = buy ? limit > p : limit < p;
          const worse = buy ? limit < p : limit > p;
          if (worse) expect(fill, `order ${book.ids[k]} at ${limit}, price ${p}`).toBe(0);
          if (better && !exempt) {
            expect(fill, `order ${book.ids[k]} at ${limit}, price ${p} ${result.type}`).toBe(
              book.quantities[k],
            );
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(orders, fc.integer(), (list, seed) => {
        const a = clearBook(bookFromOrders(list));
        const other = shuffled(list, seed);
        const b = clearBook(bookFromOrders(other));
        expect([b.price, b.quantityMicro, b.type, b.marginalQuantity]).toEqual([
          a.price,
          a.quantityMicro,
          a.type,
          a.marginalQuantity,
        ]);
        const byId = new Map(list.map((o, k) => [o.id, [a.fills[k], a.amounts[k]]]));
        other.forEach((o, k) => {
          expect([b.fills[k], b.amounts[k]]).toEqual(byId.get(o.id));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('settles to exactly zero, each side to round(P·Δt·Q)', () => {
    fc.assert(
      fc.property(orders, interval, (list, seconds) => {
        const book = bookFromOrders(list);
        const result = clearBook(book, { interval: seconds });
        const { amounts, buyAmounts } = sums(book, result);
        expect(amounts).toBe(0);
        expect(result.amountTotal).toBe(0);
        const expected = roundHalfAway(result.price * (seconds / 3600) * result.quantityMicro);
        expect(-buyAmounts + 0).toBe(expected + 0);
        for (let k = 0; k < book.n; k++) {
          const amount = result.amounts[k]!;
          expect(Number.isInteger(amount)).toBe(true);
          if (result.fills[k] === 0) expect(amount).toBe(0);
          // Each amount is within one micro-unit of P·fill·Δt.
          const exact = result.price * result.fills[k]! * (seconds / 3600);
          const sign = book.sides[k] === BUY ? -1 : 1;
          expect(Math.abs(amount - sign * exact)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('special modes: the bidding side alone sums to the cleared quantity', () => {
    const mode = fc.record({
      fixedQuantity: fc.integer({ min: 0, max: 60 }),
      fixedPrice: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(
      fc.property(fc.boolean(), orders, mode, fc.boolean(), (buyers, anySide, fixed, byQuantity) => {
        const side = buyers ? ('buy' as const) : ('sell' as const);
        const list = anySide.map((o) => ({ ...o, side }));
        const options: ClearOptions = {
          specialMode: buyers ? 'BUYERS_ONLY' : 'SELLERS_ONLY',
          ...(byQuantity ? { fixedQuantity: fixed.fixedQuantity } : {}),
          fixedPrice: fixed.fixedPrice,
        };
        const book = bookFromOrders(list);
        const result = clearBook(book, options);
        const total = Array.from(result.fills).reduce((x, y) => x + y, 0);
        expect(total).toBe(result.quantityMicro);
        const amounts = Array.from(result.amounts).reduce((x, y) => x + y, 0);
        expect(amounts).toBe(result.amountTotal);
        if (byQuantity && fixed.fixedQuantity > 0) {
          expect(['BUYER', 'SELLER', 'EXACT', 'FAILURE']).toContain(result.type);
          if (result.type !== 'FAILURE') expect(result.quantityMicro).toBe(fixed.fixedQuantity * 1e6);
          else expect(result.quantityMicro).toBe(0);
        } else {
          // Fixed price: every order at least as good as the price clears in full.
          for (let k = 0; k < book.n; k++) {
            const limit = clamp(book.prices[k]!);
            const good = buyers ? limit >= fixed.fixedPrice : limit <= fixed.fixedPrice;
            expect(result.fills[k]).toBe(good ? book.quantities[k] : 0);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * An independent walk of the curves order by order, as GridLAB-D makes it (with its rules for
 * a step on which both curves end together), used to check that clearing price levels instead
 * of single orders gives the same market result whatever the arrival order of tied orders.
 */
function referenceWalk(list: OrderInput[]): { price: number; quantity: number; type: string } {
  const eps = 0.0001;
  const buys = list
    .filter((o) => o.side === 'buy')
    .map((o) => ({ p: clamp(o.price), q: Math.round(o.quantity * 1e6) }))
    .sort((x, y) => y.p - x.p);
  const sells = list
    .filter((o) => o.side === 'sell')
    .map((o) => ({ p: clamp(o.price), q: Math.round(o.quantity * 1e6) }))
    .sort((x, y) => x.p - y.p);
  if (buys.length === 0 || sells.length === 0) {
    const p = buys.length ? buys[0]!.p + eps : sells.length ? sells[0]!.p - eps : 0;
    return { price: Math.max(-CAP, Math.min(CAP, p)), quantity: 0, type: 'NULL' };
  }
  const unrespBuy = buys.filter((b) => b.p === CAP).reduce((s, b) => s + b.q, 0);
  const unrespSell = sells.filter((s) => s.p === -CAP).reduce((t, s) => t + s.q, 0);
  let i = 0;
  let j = 0;
  let demand = 0;
  let supply = 0;
  let q = 0;
  let a = CAP;
  let b = -CAP;
  let check = false;
  let type = 'NULL';
  while (i < buys.length && j < sells.length && buys[i]!.p >= sells[j]!.p) {
    const bq = demand + buys[i]!.q;
    const sq = supply + sells[j]!.q;
    if (bq > sq) {
      q = supply = sq;
      a = b = buys[i]!.p;
      j++;
      check = false;
      type = 'BUYER';
    } else if (bq < sq) {
      q = demand = bq;
      a = b = sells[j]!.p;
      i++;
      check = false;
      type = 'SELLER';
    } else {
      q = demand = supply = bq;
      a = buys[i]!.p;
      b = sells[j]!.p;
      i++;
      j++;
      check = true;
    }
  }
  let p = a;
  const nextBuy = buys[i]?.p;
  const nextSell = sells[j]?.p;
  if (check) {
    p = a;
    if (nextBuy === undefined || nextSell === undefined) {
      if (nextBuy === undefined && nextSell === undefined) type = a === b ? 'EXACT' : 'PRICE';
      else if (nextBuy === undefined && b === nextSell) type = 'SELLER';
      else if (nextSell === undefined && a === nextBuy) type = 'BUYER';
      else type = a === b ? 'EXACT' : 'PRICE';
    } else if (a !== nextBuy && b !== nextSell && a === b) type = 'EXACT';
    else if (a === nextBuy && b !== nextSell) type = 'BUYER';
    else if (a !== nextBuy && b === nextSell) {
      type = 'SELLER';
      p = b;
    } else if (a === nextBuy && b === nextSell) {
      // both curves go on at the same prices: the type of the earlier step stands
    } else type = 'PRICE';
    if (type === 'PRICE') {
      const avg = (a + b) / 2;
      if (a === CAP && b !== -CAP) p = nextBuy !== undefined && nextBuy > b ? nextBuy + eps : b;
      else if (a !== CAP && b === -CAP) p = nextSell !== undefined && nextSell < a ? nextSell - eps : a;
      else if (a === CAP && b === -CAP) p = 0;
      else if (nextBuy !== undefined && nextBuy === a) p = a;
      else if (nextSell !== undefined && nextSell === b) p = b;
      else if (nextBuy !== undefined && avg < nextBuy) p = nextBuy + eps;
      else if (nextSell !== undefined && avg > nextSell) p = nextSell - eps;
      else p = avg;
    }
  }
  if (q === 0) {
    const b0 = buys[0]!.p;
    const s0 = sells[0]!.p;
    const nullPrice = s0 === CAP ? b0 + eps : b0 === -CAP ? s0 - eps : s0 + (b0 - s0) * 0.5;
    return { price: Math.max(-CAP, Math.min(CAP, nullPrice)), quantity: 0, type: 'NULL' };
  }
  if (q < unrespBuy) return { price: CAP, quantity: q, type: 'FAILURE' };
  if (q < unrespSell) return { price: -CAP, quantity: q, type: 'FAILURE' };
  if (q === unrespBuy && q === unrespSell) return { price: 0, quantity: q, type: 'PRICE' };
  return { price: Math.max(-CAP, Math.min(CAP, p)), quantity: q, type };
}

describe('price levels against an order-by-order walk', () => {
  const distinctPrices = orders.map((list) => {
    const seen = new Set<string>();
    return list.filter((o) => {
      const key = `${o.side}${clamp(o.price)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

  it('agree exactly when no two orders of a side share a price', () => {
    fc.assert(
      fc.property(distinctPrices, (list) => {
        const ours = clearBook(bookFromOrders(list));
        expect({ price: ours.price, quantity: ours.quantityMicro, type: ours.type }).toEqual(
          referenceWalk(list),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('agree with ties whenever the walk itself does not depend on the arrival order', () => {
    // The order-by-order walk can depend on how tied orders arrive (e.g. a buy of 6 at 0 and
    // sells of 6 and 1 at -4: 6 first ends the walk on a shared step and prices at 0, 1 first
    // makes the seller marginal at -4). Levels give one answer; it must be the walk's answer
    // whenever the walk gives the same answer for several arrival orders.
    fc.assert(
      fc.property(orders, fc.integer(), (list, seed) => {
        const answers = [0, 1, 2, 3].map((k) => referenceWalk(shuffled(list, seed + k)));
        fc.pre(answers.every((x) => JSON.stringify(x) === JSON.stringify(answers[0])));
        const ours = clearBook(bookFromOrders(list));
        expect({ price: ours.price, quantity: ours.quantityMicro, type: ours.type }).toEqual(answers[0]);
      }),
      { numRuns: 500 },
    );
  });

  it('the walk does depend on arrival order in the documented case; levels do not', () => {
    const sixFirst: OrderInput[] = [
      { id: 1, side: 'buy', price: 0, quantity: 6 },
      { id: 2, side: 'sell', price: -4, quantity: 6 },
      { id: 3, side: 'sell', price: -4, quantity: 1 },
    ];
    const oneFirst = [sixFirst[0]!, sixFirst[2]!, sixFirst[1]!];
    expect(referenceWalk(sixFirst)).toEqual({ price: 0, quantity: 6e6, type: 'SELLER' });
    expect(referenceWalk(oneFirst)).toEqual({ price: -4, quantity: 6e6, type: 'SELLER' });
    for (const list of [sixFirst, oneFirst]) {
      const ours = clearBook(bookFromOrders(list));
      expect([ours.price, ours.quantity, ours.type]).toEqual([-4, 6, 'SELLER']);
    }
  });
});

describe('meter settlement', () => {
  const energy = fc.integer({ min: -50_000_000, max: 50_000_000 }).map((e) => e / 1e6);
  const micro = fc.integer({ min: 0, max: 20_000_000 });
  const anyPrice = fc.integer({ min: -10_000, max: 100_000 }).map((p) => p / 100);

  it('charges the deviation from the committed energy at the price', () => {
    fc.assert(
      fc.property(energy, micro, micro, anyPrice, interval, (metered, bought, sold, p, seconds) => {
        const s = settleMeter({
          metered,
          boughtMicro: bought,
          soldMicro: sold,
          price: p,
          intervalSeconds: seconds,
        });
        const committed = ((bought - sold) / 1e6) * (seconds / 3600);
        expect(s.committed).toBeCloseTo(committed, 9);
        expect(s.deviation).toBeCloseTo(metered - committed, 9);
        expect(Number.isInteger(s.amountMicro)).toBe(true);
        expect(Math.abs(s.amount - -(metered - committed) * p)).toBeLessThanOrEqual(
          1e-6 + 1e-9 * Math.abs(p),
        );
      }),
    );
  });

  it('is odd: swapping bought and sold and negating the reading negates the amount', () => {
    fc.assert(
      fc.property(energy, micro, micro, anyPrice, interval, (metered, bought, sold, p, seconds) => {
        const a = settleMeter({
          metered,
          boughtMicro: bought,
          soldMicro: sold,
          price: p,
          intervalSeconds: seconds,
        });
        const b = settleMeter({
          metered: -metered,
          boughtMicro: sold,
          soldMicro: bought,
          price: p,
          intervalSeconds: seconds,
        });
        expect(b.amountMicro).toBe(-a.amountMicro + 0);
      }),
    );
  });

  it('charges nothing when the reading matches the fills, and the whole reading without orders', () => {
    // 3 units bought for 20 minutes = 1 unit of energy.
    expect(
      settleMeter({ metered: 1, boughtMicro: 3e6, soldMicro: 0, price: 40, intervalSeconds: 1200 }).amount,
    ).toBe(0);
    expect(
      settleMeter({ metered: 2.5, boughtMicro: 0, soldMicro: 0, price: 40, intervalSeconds: 300 }).amount,
    ).toBe(-100);
    expect(
      settleMeter({ metered: -2, boughtMicro: 0, soldMicro: 0, price: 40, intervalSeconds: 300 }).amount,
    ).toBe(80);
  });
});
