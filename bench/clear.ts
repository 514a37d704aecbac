import { ClearScratch, clearBook } from '../engine/index.js';
import { benchBook, random } from './book.js';
import { type Benchmark, plan, timed } from './harness.js';

/**
 * Clearing one market of N orders with fills and settlement (typed arrays), against
 * Float64Array.prototype.sort of N random doubles in the same process.
 */
export const clear: Benchmark<{ orders: number }> = {
  ...plan('clear', 'orders', [{ orders: 200_000 }, { orders: 1_000_000 }], [5, 11]),
  description: 'engine clearing N orders with fills and settlement vs Float64Array.sort of N doubles',
  targets: [{ compare: 'time', baseline: 'Float64Array.sort', op: '<=', value: 2 }],
  async prepare({ orders }) {
    const book = benchBook(orders);
    const scratch = new ClearScratch();
    const doubles = new Float64Array(orders);
    const next = random(2);
    let last = { price: 0, quantity: 0, type: '' };
    return {
      path: {
        name: 'clearBook',
        run: () =>
          timed(orders, () => {
            const r = clearBook(book, {}, scratch);
            last = { price: r.price, quantity: r.quantity, type: r.type };
          }),
      },
      baselines: [
        {
          name: 'Float64Array.sort',
          async run() {
            for (let k = 0; k < orders; k++) doubles[k] = next();
            return timed(orders, () => doubles.sort());
          },
        },
      ],
      extra: async () => ({ cleared: last }),
      async close() {},
    };
  },
};
