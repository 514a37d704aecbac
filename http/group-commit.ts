import { Counter, Histogram } from 'prom-client';
import { ErrorCode, isTessError } from '../engine/errors.js';
import { isDataError } from '../storage/index.js';
import { registry } from '../workers/metrics.js';

const batches = new Counter({
  name: 'tess_order_batches_total',
  help: 'Order intake batches written (group commit), by how they were written',
  labelNames: ['mode'] as const,
  registers: [registry],
});
const batchSize = new Histogram({
  name: 'tess_order_batch_size',
  help: 'Orders per intake batch',
  buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
  registers: [registry],
});

interface Waiting<R> {
  readonly row: R;
  resolve(id: number): void;
  reject(err: unknown): void;
}

/** Where a failed batch is told (pino's and Fastify's loggers fit). */
export interface BatchLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Whether a batch failed because of a row it carried: PostgreSQL refusing a value or a
 * constraint (SQLSTATE classes 22 and 23, raw or as a translated error's cause) or
 * storage refusing a row as INVALID. Only then may the other rows succeed alone; any
 * other failure (an outage, a pool timeout) would fail every row the same way.
 */
export const isRowError = (err: unknown): boolean =>
  isDataError(err) || (isTessError(err) && err.code === ErrorCode.INVALID);

export interface GroupCommitOptions {
  /** How long the first row of a batch waits for others. @defaultValue 2 */
  readonly delayMs?: number;
  /** Largest batch. @defaultValue 2000 */
  readonly maxBatch?: number;
  /** Batches being written at once. @defaultValue 2 */
  readonly maxInFlight?: number;
  /** Told once of each failed batch. @defaultValue none */
  readonly log?: BatchLog;
}

/**
 * Group commit: rows submitted within `delayMs` of a batch's first row, or while the
 * batches before it are being written, are written together in one statement and
 * transaction; each submitter is answered after its batch commits. If a batch fails
 * because of a row it carried (isRowError), its rows are written one by one, so one bad
 * row cannot fail the others; any other failure answers every row of the batch with it,
 * so an outage costs one statement per batch, not one per row.
 */
export class GroupCommit<R> {
  private pending: Waiting<R>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly delayMs: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly log: BatchLog | undefined;

  constructor(
    /** Writes a batch in one transaction; returns the id of each row, in order. */
    private readonly writeBatch: (rows: R[]) => Promise<number[]>,
    /** Writes one row; returns its id. */
    private readonly writeOne: (row: R) => Promise<number>,
    options: GroupCommitOptions = {},
  ) {
    this.delayMs = options.delayMs ?? 2;
    this.maxBatch = options.maxBatch ?? 2000;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.log = options.log;
  }

  /** Queues a row; resolves with its id once it is committed. */
  submit(row: R): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      this.schedule();
    });
  }

  /** Starts a batch after the delay (at once when a batch is full), if a writer is free. */
  private schedule(): void {
    if (this.pending.length === 0 || this.inFlight.size >= this.maxInFlight) return;
    const full = this.pending.length >= this.maxBatch;
    if (this.timer && !full) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.flush();
      },
      full ? 0 : this.delayMs,
    );
  }

  private flush(): void {
    if (this.pending.length === 0 || this.inFlight.size >= this.maxInFlight) return;
    const batch = this.pending.splice(0, this.maxBatch);
    const done: Promise<void> = this.write(batch).finally(() => {
      this.inFlight.delete(done);
      this.schedule();
    });
    this.inFlight.add(done);
    this.schedule();
  }

  private async write(batch: Waiting<R>[]): Promise<void> {
    batchSize.observe(batch.length);
    try {
      const ids = await this.writeBatch(batch.map((w) => w.row));
      batches.inc({ mode: 'batch' });
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(ids[i]!);
      return;
    } catch (err) {
      if (!isRowError(err)) {
        batches.inc({ mode: 'failed' });
        this.log?.error(
          { err, rows: batch.length },
          'batch failed; each of its rows is answered with the error',
        );
        for (const w of batch) w.reject(err);
        return;
      }
      batches.inc({ mode: 'one-by-one' });
      this.log?.warn({ err, rows: batch.length }, 'batch refused a row; writing its rows one by one');
    }
    for (const w of batch) {
      try {
        w.resolve(await this.writeOne(w.row));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  /** Writes whatever is pending and waits for it (on shutdown). */
  async close(): Promise<void> {
    while (this.pending.length || this.inFlight.size) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.flush();
      await Promise.all([...this.inFlight]);
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
