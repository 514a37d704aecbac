import { describe, expect, it } from 'vitest';
import { bookFromOrders, type ClearOptions, clearBook, type OrderInput } from '../../engine/index.js';

type Pair = [price: number, quantity: number];

interface Example {
  buys: Pair[];
  sells: Pair[];
  options?: ClearOptions;
  price: number;
  quantity: number;
  type: string;
  marginalQuantity?: number;
  marginalFrac?: number;
}

// The reference cases of the clearing rules (GridLAB-D auction semantics).
const examples: Example[] = [
  {
    buys: [
      [40, 5],
      [30, 5],
      [5, 5],
    ],
    sells: [
      [15, 5],
      [20, 5],
      [45, 5],
    ],
    price: 25,
    quantity: 10,
    type: 'PRICE',
  },
  {
    buys: [
      [25, 1],
      [20, 1],
    ],
    sells: [
      [10, 1],
      [30, 1],
    ],
    price: 20.0001,
    quantity: 1,
    type: 'PRICE',
  },
  {
    buys: [
      [30, 1],
      [10, 1],
    ],
    sells: [
      [15, 1],
      [20, 1],
    ],
    price: 19.9999,
    quantity: 1,
    type: 'PRICE',
  },
  {
    buys: [],
    sells: [
      [18, 5],
      [60, 5],
      [42, 5],
    ],
    price: 17.9999,
    quantity: 0,
    type: 'NULL',
  },
  {
    buys: [
      [32, 5],
      [54, 5],
      [47, 5],
    ],
    sells: [
      [83, 5],
      [70, 5],
      [97, 5],
    ],
    price: 62,
    quantity: 0,
    type: 'NULL',
  },
  {
    buys: [
      [9999, 50],
      [32, 5],
      [47, 5],
    ],
    sells: [
      [83, 5],
      [97, 5],
      [70, 5],
    ],
    price: 9999,
    quantity: 15,
    type: 'FAILURE',
  },
  {
    buys: [
      [40, 6],
      [40, 8],
    ],
    sells: [[30, 14]],
    price: 35,
    quantity: 14,
    type: 'PRICE',
  },
  {
    buys: [
      [26, 5],
      [22, 5],
      [12, 5],
    ],
    sells: [
      [-5, 8],
      [27, 5],
      [31, 5],
    ],
    price: 22,
    quantity: 8,
    type: 'BUYER',
    marginalQuantity: 3,
    marginalFrac: 0.6,
  },
  {
    buys: [
      [30, 10],
      [20, 10],
    ],
    sells: [],
    options: { specialMode: 'BUYERS_ONLY', fixedQuantity: 15 },
    price: 20,
    quantity: 15,
    type: 'BUYER',
  },
];

function ordersOf(buys: Pair[], sells: Pair[]): OrderInput[] {
  let id = 1;
  return [
    ...buys.map(([price, quantity]) => ({ id: id++, side: 'buy' as const, price, quantity })),
    ...sells.map(([price, quantity]) => ({ id: id++, side: 'sell' as const, price, quantity })),
  ];
}

const show = (pairs: Pair[]) => pairs.map((p) => `[${p.join(',')}]`).join(' ') || '—';

describe('clearing examples', () => {
  it.each(examples)('buys $buys.length sells $sells.length → $type', (example) => {
    const orders = ordersOf(example.buys, example.sells);
    const result = clearBook(bookFromOrders(orders), example.options);
    const label = `${show(example.buys)} | ${show(example.sells)}`;
    expect(result.price, label).toBeCloseTo(example.price, 9);
    expect(result.quantity, label).toBe(example.quantity);
    expect(result.type, label).toBe(example.type);
    if (example.marginalQuantity !== undefined)
      expect(result.marginalQuantity).toBeCloseTo(example.marginalQuantity, 9);
    if (example.marginalFrac !== undefined) expect(result.marginalFrac).toBeCloseTo(example.marginalFrac, 9);
    if (example.type !== 'BUYER' && example.type !== 'SELLER') {
      expect(result.marginalQuantity).toBe(0);
      expect(result.marginalFrac).toBe(0);
    }
  });

  it('fills and settles the first example by hand', () => {
    // buys 40×5, 30×5 fill; sells 15×5, 20×5 fill; price 25 over a one-hour interval.
    const orders = ordersOf(
      [
        [40, 5],
        [30, 5],
        [5, 5],
      ],
      [
        [15, 5],
        [20, 5],
        [45, 5],
      ],
    );
    const result = clearBook(bookFromOrders(orders), { interval: 3600 });
    expect(Array.from(result.fills, (f) => f / 1e6)).toEqual([5, 5, 0, 5, 5, 0]);
    expect(Array.from(result.amounts, (a) => a / 1e6)).toEqual([-125, -125, 0, 125, 125, 0]);
    expect(result.amountTotal).toBe(0);
  });

  it('shares the marginal buy level of the BUYER example pro rata', () => {
    // Price 22: the buy at 26 takes 5, the buy at 22 takes the remaining 3 of 8.
    const orders = ordersOf(
      [
        [26, 5],
        [22, 5],
        [12, 5],
      ],
      [
        [-5, 8],
        [27, 5],
        [31, 5],
      ],
    );
    const result = clearBook(bookFromOrders(orders));
    expect(Array.from(result.fills, (f) => f / 1e6)).toEqual([5, 3, 0, 8, 0, 0]);
  });

  it('splits a tied marginal level by cumulative rounding, ids ascending', () => {
    // Three buys of 1 at 50 share 2 units against a seller of 2 at 10 ... and a buyer at 60 of 1.
    const orders: OrderInput[] = [
      { id: 7, side: 'buy', price: 50, quantity: 0.000001 },
      { id: 3, side: 'buy', price: 50, quantity: 0.000001 },
      { id: 5, side: 'buy', price: 50, quantity: 0.000001 },
      { id: 9, side: 'sell', price: 10, quantity: 0.000002 },
    ];
    const result = clearBook(bookFromOrders(orders));
    expect(result.type).toBe('BUYER');
    // R = 2, L = 3, cumulative 1,2,3 → round(2/3)=1, round(4/3)=1, round(2)=2 → ids 3,5,7 get 1,0,1.
    expect(Array.from(result.fills)).toEqual([1, 1, 0, 2]);
  });
});
