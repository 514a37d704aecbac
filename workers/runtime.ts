import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { intervalStart } from '../engine/intervals.js';
import type { Database } from '../storage/index.js';
import { listMarkets, type Market } from '../storage/market.js';
import { type ClearDeps, clearDue, type IntervalOutcome } from './clear-market.js';
import { intervalSeconds } from './market-options.js';
import { ClearingPool } from './pool.js';
import { connectRedis } from './redis.js';

/**
 * The market runtime: a BullMQ job scheduler per system fires a `tick` once per interval;
 * a tick queues one `market` job per resource, delayed to just after the next boundary
 * (job id = market + boundary, so a repeated tick adds nothing); a market job clears
 * every due interval of its market in a clearing thread. Any number of processes may run this side by side: BullMQ hands each
 * job to one of them, and the database writes each interval exactly once.
 */
export interface RuntimeOptions {
  readonly db: Database;
  readonly redisUrl: string;
  readonly log: Logger;
  /** BullMQ key prefix; separate prefixes never see each other's jobs. @defaultValue "tess" */
  readonly prefix?: string;
  /** Clearing threads. @defaultValue the machine's available parallelism */
  readonly threads?: number;
  /** Jobs processed at once by this process. @defaultValue 4 */
  readonly concurrency?: number;
  /** Wait after a boundary before reading orders, for requests still committing. @defaultValue 250 ms */
  readonly graceMs?: number;
  /** How often config is read to add schedulers and follow `interval` changes. @defaultValue 2000 ms */
  readonly syncMs?: number;
  /** Lock of a job in progress; a killed process's job is retried after it expires. @defaultValue 30000 ms */
  readonly lockMs?: number;
  /** @defaultValue 86400 s */
  readonly horizonSeconds?: number;
  /** The clock. */
  readonly now?: () => number;
}

interface TickData {
  readonly systemId: number;
}
interface MarketData {
  readonly resourceId: number;
  readonly systemId: number;
  readonly boundary: number;
}

export const QUEUE = 'tess-markets';

export class Runtime {
  private timer: NodeJS.Timeout | undefined;
  private readonly everyBySystem = new Map<number, number>();
  private stopping = false;
  private readonly listeners = new Set<(o: IntervalOutcome, m: Market) => void>();

  private constructor(
    private readonly options: RuntimeOptions,
    private readonly queue: Queue,
    private readonly worker: Worker,
    private readonly connections: Redis[],
    private readonly pool: ClearingPool,
  ) {}

  static async start(options: RuntimeOptions): Promise<Runtime> {
    const prefix = options.prefix ?? 'tess';
    const queueConnection = await connectRedis(options.redisUrl, { forBullMQ: true });
    const workerConnection = await connectRedis(options.redisUrl, { forBullMQ: true });
    const publisher = await connectRedis(options.redisUrl);
    const pool = new ClearingPool(options.threads);
    const queue = new Queue(QUEUE, { connection: queueConnection, prefix });
    const deps: ClearDeps = {
      db: options.db,
      pool,
      redis: publisher,
      log: options.log,
      ...(options.horizonSeconds === undefined ? {} : { horizonSeconds: options.horizonSeconds }),
    };
    let runtime: Runtime | undefined;
    const worker = new Worker(
      QUEUE,
      async (job: Job) => {
        if (job.name === 'tick') return runtime!.tick(job.data as TickData);
        if (job.name === 'market') return runtime!.clearMarket(deps, job.data as MarketData);
        throw new Error(`unknown job ${job.name}`);
      },
      {
        connection: workerConnection,
        prefix,
        concurrency: options.concurrency ?? 4,
        lockDuration: options.lockMs ?? 30_000,
        stalledInterval: Math.max(500, Math.floor((options.lockMs ?? 30_000) / 2)),
        autorun: false,
      },
    );
    worker.on('failed', (job, err) => options.log.error({ err, job: job?.id }, 'job failed'));
    worker.on('error', (err) => options.log.error({ err }, 'worker error'));
    runtime = new Runtime(options, queue, worker, [queueConnection, workerConnection, publisher], pool);
    // Catch up first: one tick per system now clears whatever closed while nothing ran.
    await runtime.sync(true);
    void worker.run();
    runtime.timer = setInterval(() => {
      runtime!.sync(false).catch((err) => options.log.error({ err }, 'scheduler sync failed'));
    }, options.syncMs ?? 2_000);
    return runtime;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Called with every interval this process clears. */
  onCleared(listener: (o: IntervalOutcome, m: Market) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Upserts a job scheduler for every system whose interval is new or changed, so a
   * `set` of `interval` takes effect at the next boundary without a restart.
   */
  async sync(catchUp: boolean): Promise<void> {
    if (this.stopping) return;
    const markets = await listMarkets(this.options.db.pool);
    const systems = new Map<number, Market>();
    for (const m of markets) systems.set(m.systemId, m);
    for (const [systemId, market] of systems) {
      let seconds: number;
      try {
        seconds = intervalSeconds(market);
      } catch (err) {
        this.options.log.error({ err, system: market.system }, 'system not scheduled: bad interval config');
        continue;
      }
      const every = seconds * 1000;
      if (this.everyBySystem.get(systemId) !== every) {
        await this.queue.upsertJobScheduler(
          `system:${systemId}`,
          { every },
          { name: 'tick', data: { systemId }, opts: { removeOnComplete: 1000, removeOnFail: 1000 } },
        );
        this.everyBySystem.set(systemId, every);
      }
      if (catchUp) await this.tick({ systemId }, true);
    }
    // Systems taken off the market (mechanism other than AUCTION) stop ticking, whichever
    // process scheduled them.
    for (const scheduler of await this.queue.getJobSchedulers()) {
      const systemId = Number(scheduler.key.replace(/^system:/, ''));
      if (scheduler.key.startsWith('system:') && !systems.has(systemId)) {
        await this.queue.removeJobScheduler(scheduler.key);
        this.everyBySystem.delete(systemId);
      }
    }
  }

  /**
   * Queues one market job per resource of the system for the next boundary, delayed to
   * fire just after it (and, when catching up, one for the boundary just passed). The
   * scheduler's own phase does not matter: jobs are placed on the epoch-aligned grid,
   * and their ids (market + boundary) make a second tick in the same interval add nothing.
   */
  private async tick({ systemId }: TickData, catchUp = false): Promise<number> {
    const markets = await listMarkets(this.options.db.pool, [systemId]);
    const now = this.now();
    const grace = this.options.graceMs ?? 250;
    for (const market of markets) {
      const seconds = intervalSeconds(market);
      const passed = intervalStart(now, seconds).getTime();
      const boundaries = catchUp ? [passed, passed + seconds * 1000] : [passed + seconds * 1000];
      for (const boundary of boundaries) {
        await this.queue.add(
          'market',
          { resourceId: market.resourceId, systemId, boundary } satisfies MarketData,
          {
            jobId: `market-${market.resourceId}-${boundary}`,
            delay: Math.max(0, boundary + grace - now),
            attempts: 5,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: 1000,
            removeOnFail: 1000,
          },
        );
      }
    }
    return markets.length;
  }

  private async clearMarket(deps: ClearDeps, data: MarketData): Promise<number> {
    const [market] = await listMarkets(this.options.db.pool, [data.systemId]).then((ms) =>
      ms.filter((m) => m.resourceId === data.resourceId),
    );
    if (!market) return 0;
    const outcomes = await clearDue(deps, market, new Date(data.boundary));
    for (const o of outcomes) {
      if (!o.price) continue;
      for (const listener of this.listeners) listener(o, market);
    }
    return outcomes.length;
  }

  /** Stops taking jobs, finishes the ones in flight, then closes threads and connections. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    await this.worker.close();
    await this.queue.close();
    await this.pool.close();
    for (const c of this.connections) c.disconnect();
  }
}
