import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ClearedBook, ClearOptions, OrderBook } from '../engine/index.js';
import { type ClearTask, unpackResult } from './clear-task.js';

/**
 * The clearing threads: created once, sized to the machine, kept warm between intervals.
 * A book travels as its typed-array columns, transferred (not copied) to the thread, and
 * the result comes back as one transferred array.
 */
export class ClearingPool {
  private readonly pool: Piscina;

  /** @param threads defaults to the machine's available parallelism */
  constructor(threads = availableParallelism()) {
    this.pool = new Piscina({
      filename: new URL('./clear-worker.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /** Clears `book` in a thread. The book's buffers are transferred: do not use them afterwards. */
  async clear(book: OrderBook, options: ClearOptions): Promise<ClearedBook> {
    const task: ClearTask = { ...book, options };
    const transferList = [book.ids.buffer, book.sides.buffer, book.prices.buffer, book.quantities.buffer];
    return unpackResult(await this.pool.run(task, { transferList: transferList as ArrayBuffer[] }));
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
