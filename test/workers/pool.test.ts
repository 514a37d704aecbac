import { afterAll, describe, expect, it } from 'vitest';
import { bookFromOrders, clearBook } from '../../engine/index.js';
import { ClearingPool } from '../../workers/pool.js';

const pool = new ClearingPool(1);
afterAll(() => pool.close());

describe('clearing pool', () => {
  it('gives the same result as clearing in the calling thread, for every field', async () => {
    const orders = [
      { id: 1, side: 'buy' as const, price: 26, quantity: 5 },
      { id: 2, side: 'buy' as const, price: 22, quantity: 5 },
      { id: 3, side: 'buy' as const, price: 12, quantity: 5 },
      { id: 4, side: 'sell' as const, price: -5, quantity: 8 },
      { id: 5, side: 'sell' as const, price: 27, quantity: 5 },
      { id: 6, side: 'sell' as const, price: 31, quantity: 5 },
    ];
    const here = clearBook(bookFromOrders(orders), { interval: 900 });
    const there = await pool.clear(bookFromOrders(orders), { interval: 900 });
    expect(there).toEqual({
      price: here.price,
      quantity: here.quantity,
      type: here.type,
      marginalQuantity: here.marginalQuantity,
      marginalFrac: here.marginalFrac,
      buyerTotal: here.buyerTotal,
      sellerTotal: here.sellerTotal,
      amountTotal: here.amountTotal,
      fills: here.fills,
      amounts: here.amounts,
      rejected: here.rejected,
    });
    expect(there.type).toBe('BUYER');
  });

  it('brings back the orders the engine left out', async () => {
    const orders = [
      { id: 1, side: 'buy' as const, price: 26, quantity: 5 },
      { id: 2, side: 'buy' as const, price: 30, quantity: 1e8 }, // beyond what one side holds exactly
      { id: 3, side: 'sell' as const, price: 10, quantity: 4 },
    ];
    const here = clearBook(bookFromOrders(orders), { interval: 900 });
    const there = await pool.clear(bookFromOrders(orders), { interval: 900 });
    expect(here.rejected).toEqual([1]);
    expect(there.rejected).toEqual([1]);
    expect(Array.from(there.fills)).toEqual(Array.from(here.fills));
    expect(there.fills[1]).toBe(0);
  });

  it('transfers the book: the caller cannot keep using the arrays it handed over', async () => {
    const book = bookFromOrders([{ id: 1, side: 'buy', price: 10, quantity: 1 }]);
    await pool.clear(book, {});
    expect(book.prices.length).toBe(0);
  });
});
