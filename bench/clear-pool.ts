import { ClearScratch, clearBook } from '../engine/index.js';
import { ClearingPool } from '../workers/pool.js';
import { benchBook, copyBook } from './book.js';
import { type Benchmark, plan, timed } from './harness.js';

/** The same book cleared through the worker-thread pool (transfer included) vs in the main thread. */
export const clearPool: Benchmark<{ orders: number }> = {
  ...plan('clear-pool', 'orders', [{ orders: 200_000 }, { orders: 1_000_000 }], [5, 9]),
  description:
    'N orders cleared in a Piscina thread (book transferred in, result transferred back) vs clearBook in the main thread',
  targets: [{ compare: 'time', baseline: 'main thread', op: '<=', value: 1.2 }],
  async prepare({ orders }) {
    const pool = new ClearingPool(1);
    const book = benchBook(orders);
    const scratch = new ClearScratch();
    return {
      path: {
        name: 'pool',
        async run() {
          // The copy is the caller's (the runtime builds a fresh book per interval), not the pool's.
          const fresh = copyBook(book);
          return timed(orders, () => pool.clear(fresh, {}));
        },
      },
      baselines: [{ name: 'main thread', run: () => timed(orders, () => clearBook(book, {}, scratch)) }],
      close: () => pool.close(),
    };
  },
};
