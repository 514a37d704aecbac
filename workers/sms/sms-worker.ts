import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Database, type MessageRow, messagesLeft, metersToPush } from '../../storage/index.js';
import { connectRedis } from '../redis.js';
import { smsIgnored } from '../metrics.js';
import { handleIncoming, type InboundDeps } from './inbound.js';
import { pushMeterJobs } from './job-push.js';
import { type SendDeps, sendMessage } from './send.js';
import { SMS_JOBS, type SmsJobData, SmsQueue, smsQueueName } from './sms-queue.js';

export interface SmsWorkerOptions extends SendDeps, Omit<InboundDeps, 'now'> {
  readonly db: Database;
  readonly redisUrl: string;
  readonly log: Logger;
  /** BullMQ key prefix, as the runtime's. @defaultValue "tess" */
  readonly prefix?: string;
  /** Messages handled at once: a slow provider holds only its own. @defaultValue 8 */
  readonly concurrency?: number;
  /** How often messages left behind (Redis away when they came) are queued again. @defaultValue 30000 ms */
  readonly sweepMs?: number;
  readonly now?: () => Date;
}

/**
 * The runtime's SMS side: acts on incoming messages and sends outgoing ones from the SMS
 * queue (sms-queue.ts), and sweeps for messages the queue never got, so a message stored
 * while Redis was away is still answered once it is back.
 */
export class SmsWorker {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: SmsWorkerOptions,
    private readonly queue: SmsQueue,
    private readonly worker: Worker,
    private readonly connections: readonly Redis[],
  ) {}

  static async start(options: SmsWorkerOptions): Promise<SmsWorker> {
    const prefix = options.prefix ?? 'tess';
    const database = await options.db.identity();
    const queueConnection = await connectRedis(options.redisUrl, { forBullMQ: true });
    const workerConnection = await connectRedis(options.redisUrl, { forBullMQ: true });
    const queue = SmsQueue.open(queueConnection, prefix, database);
    const now = options.now ?? (() => new Date());
    const process = async (job: Job<SmsJobData>): Promise<void> => {
      if (job.name === SMS_JOBS.send) {
        await sendMessage(options.db, job.data.messageId, options);
        return;
      }
      if (job.name !== SMS_JOBS.inbound) throw new Error(`unknown job ${job.name}`);
      const handled = await handleIncoming(options.db, job.data.messageId, { ...options, now });
      const outcomes = [
        ...handled.earlier.map((e) => e.outcome),
        ...(handled.outcome ? [handled.outcome] : []),
      ];
      const meters = new Set<number>();
      for (const outcome of outcomes) {
        if (outcome.state === 'ignored') smsIgnored.inc({ reason: outcome.reason });
        if (outcome.state === 'handled' && outcome.queuedJobsOfMeter !== undefined)
          meters.add(outcome.queuedJobsOfMeter);
      }
      const pushed: MessageRow[] = [];
      for (const meter of meters) pushed.push(...(await pushMeterJobs(options.db, meter, now())));
      for (const m of [...handled.queued, ...pushed]) await queue.add(SMS_JOBS.send, m.message_id);
    };
    const worker = new Worker(smsQueueName(database), process, {
      connection: workerConnection,
      prefix,
      concurrency: options.concurrency ?? 8,
      autorun: false,
    });
    worker.on('failed', (job, err) => options.log.warn({ err, job: job?.id }, 'SMS job failed'));
    worker.on('error', (err) => options.log.error({ err }, 'SMS worker error'));
    const sms = new SmsWorker(options, queue, worker, [queueConnection, workerConnection]);
    void worker.run();
    sms.timer = setInterval(() => {
      sms.sweeping = sms.sweep(now()).catch((err) => options.log.error({ err }, 'SMS sweep failed'));
    }, options.sweepMs ?? 30_000);
    return sms;
  }

  /** The queue this worker takes from (for pushing jobs to meters from the gateway passes). */
  get smsQueue(): SmsQueue {
    return this.queue;
  }

  /** Queues again what waited longer than a sweep: received messages to act on, queued ones to send. */
  async sweep(now: Date): Promise<void> {
    const before = new Date(now.getTime() - (this.options.sweepMs ?? 30_000));
    for (const id of await messagesLeft(this.options.db, 'received', before)) {
      await this.queue.requeue(SMS_JOBS.inbound, id);
    }
    for (const id of await messagesLeft(this.options.db, 'queued', before)) {
      await this.queue.requeue(SMS_JOBS.send, id);
    }
    // Jobs the gateway passes queued for meters that take them by SMS.
    for (const meter of await metersToPush(this.options.db)) {
      for (const m of await pushMeterJobs(this.options.db, meter, now)) {
        await this.queue.add(SMS_JOBS.send, m.message_id);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
    await this.worker.close();
    await this.queue.close();
    for (const c of this.connections) c.disconnect();
  }
}
