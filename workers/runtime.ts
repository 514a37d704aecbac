import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { intervalStart } from '../engine/intervals.js';
import type { DatabaseIdentity } from '../storage/index.js';
import type { Database } from '../storage/index.js';
import type { Market } from '../storage/index.js';
import { type ClearDeps, clearDue, type IntervalOutcome } from './clear-market.js';
import { SmsWorker, type SmsWorkerOptions } from './sms/sms-worker.js';
import { type GatewayJobData, runGatewayJob, syncGatewaySchedulers } from './gateway-passes.js';
import { intervalSeconds } from './market-options.js';
import { readPlan } from './market-schedule.js';
import { ClearingPool } from './pool.js';
import { connectRedis } from './redis.js';

/**
 * The market runtime: a BullMQ job scheduler per system fires a `tick` once per interval;
 * a tick queues one `market` job per resource, delayed to just after the end of the
 * interval open (job id = market + boundary, so a repeated tick adds nothing); a market
 * job clears every due interval of its market in a clearing thread. Any number of
 * processes may run this side by side: BullMQ hands each job to one of them, and the
 * database writes each interval exactly once.
 *
 * The queue belongs to one database (its name carries the database's identity): processes
 * of another deployment on the same Redis and prefix, even one started on the wrong
 * database, have their own queue and schedulers and never remove or run these.
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
  /**
   * The prepaid gateway's SMS (workers/sms/): incoming messages acted on, outgoing ones
   * sent, jobs pushed to meters that take them by SMS. @defaultValue off
   */
  readonly sms?: Omit<SmsWorkerOptions, 'db' | 'redisUrl' | 'log' | 'prefix'>;
}

interface TickData {
  readonly systemId: number;
}
interface MarketData {
  readonly resourceId: number;
  readonly systemId: number;
  readonly boundary: number;
}

/** The queue of the markets of one database (BullMQ names may not hold `:`). */
export const queueName = (database: DatabaseIdentity): string => `tess-markets-${database.key}`;
/** Market jobs queued ahead of the interval open, so that a late tick misses no boundary. */
const AHEAD = 2;

export class Runtime {
  private timer: NodeJS.Timeout | undefined;
  private readonly everyBySystem = new Map<number, number>();
  private readonly gatewayEvery = new Map<number, number>();
  private stopping = false;
  private readonly listeners = new Set<(o: IntervalOutcome, m: Market) => void>();

  private constructor(
    private readonly options: RuntimeOptions,
    private readonly queue: Queue,
    private readonly worker: Worker,
    private readonly connections: Redis[],
    private readonly pool: ClearingPool,
    private readonly sms: SmsWorker | undefined,
  ) {}

  static async start(options: RuntimeOptions): Promise<Runtime> {
    const prefix = options.prefix ?? 'tess';
    const database = await options.db.identity();
    const QUEUE = queueName(database);
    options.log.info(
      { queue: QUEUE, prefix },
      `markets of ${database.description} on queue ${prefix}:${QUEUE}`,
    );
    const queueConnection = await connectRedis(options.redisUrl, { forBullMQ: true });
    const workerConnection = await connectRedis(options.redisUrl, { forBullMQ: true });
    const publisher = await connectRedis(options.redisUrl);
    const pool = new ClearingPool(options.threads);
    const queue = new Queue(QUEUE, { connection: queueConnection, prefix });
    const deps: ClearDeps = {
      db: options.db,
      pool,
      redis: publisher,
      prefix,
      log: options.log,
      ...(options.horizonSeconds === undefined ? {} : { horizonSeconds: options.horizonSeconds }),
    };
    let runtime: Runtime | undefined;
    const worker = new Worker(
      QUEUE,
      async (job: Job) => {
        if (job.name === 'tick') return runtime!.tick(job.data as TickData);
        if (job.name === 'market') return runtime!.clearMarket(deps, job.data as MarketData);
        if (job.name === 'gateway') return runGatewayJob(options.db, options.log, job as Job<GatewayJobData>);
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
    const sms = options.sms
      ? await SmsWorker.start({
          ...options.sms,
          db: options.db,
          redisUrl: options.redisUrl,
          log: options.log,
          prefix,
        })
      : undefined;
    runtime = new Runtime(options, queue, worker, [queueConnection, workerConnection, publisher], pool, sms);
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
   * Upserts a job scheduler for every system whose interval is new or changed, and ticks
   * it at once, so a `set` of `interval` (or a system back on the market) is followed
   * without a restart. Schedulers of systems off the market are removed: only from this
   * database's queue, so another deployment's are never touched.
   */
  async sync(catchUp: boolean): Promise<void> {
    if (this.stopping) return;
    const markets = await this.options.db.listMarkets();
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
      const changed = this.everyBySystem.get(systemId) !== every;
      if (changed) {
        await this.queue.upsertJobScheduler(
          `system:${systemId}`,
          { every },
          { name: 'tick', data: { systemId }, opts: { removeOnComplete: 1000, removeOnFail: 1000 } },
        );
        this.everyBySystem.set(systemId, every);
      }
      if (catchUp || changed) await this.tick({ systemId });
    }
    // The prepaid gateway's passes run for every system with circuits, on the market or not.
    await syncGatewaySchedulers(this.options.db, this.queue, this.options.log, this.gatewayEvery);
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
   * Queues market jobs for the ends of the market's intervals (workers/interval-schedule.ts):
   * one for every interval already due (a single job at the last such end clears them
   * all) and the next AHEAD ends, each delayed to just after its end. The scheduler's
   * own phase does not matter; job ids (market + end) make a second tick add nothing,
   * and a job at a time that is no longer an end (after a change of `interval`) clears
   * only what is due.
   */
  private async tick({ systemId }: TickData): Promise<number> {
    const markets = await this.options.db.listMarkets([systemId]);
    const now = this.now();
    const grace = this.options.graceMs ?? 250;
    for (const market of markets) {
      for (const boundary of await this.endsToQueue(market, now)) {
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

  private async endsToQueue(market: Market, now: number): Promise<number[]> {
    const plan = await readPlan(this.options.db, market);
    const horizon = (this.options.horizonSeconds ?? 86_400) * 1000;
    let from = Math.max(plan.from, await plan.around(now - horizon));
    let due: number | null = null;
    let end = await plan.end(from);
    while (end <= now) {
      due = end;
      from = end;
      // Past the last change of `interval`, the ends are the points of one grid: jump
      // over a long backlog instead of walking it.
      if (!plan.history.some((s) => s.since > from)) {
        due = Math.max(due, intervalStart(now, plan.secondsAt(from)).getTime());
        from = due;
      }
      end = await plan.end(from);
    }
    const ends = due === null ? [] : [due];
    for (let i = 0; i < AHEAD; i++) {
      ends.push(end);
      end = await plan.end(end);
    }
    return ends;
  }

  private async clearMarket(deps: ClearDeps, data: MarketData): Promise<number> {
    const [market] = await this.options.db
      .listMarkets([data.systemId])
      .then((ms) => ms.filter((m) => m.resourceId === data.resourceId));
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
    await this.sms?.close();
    await this.worker.close();
    await this.queue.close();
    await this.pool.close();
    for (const c of this.connections) c.disconnect();
  }
}
