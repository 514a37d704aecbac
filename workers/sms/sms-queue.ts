import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DatabaseIdentity } from '../../storage/index.js';

/**
 * SMS work goes through a queue of its own, beside the markets' (workers/runtime.ts): a
 * provider that is slow or down holds up messages, never a clearing. Two jobs, each
 * named after its message so that queueing it again (a webhook retried, a sweep of
 * messages left behind) adds nothing while the first is waiting:
 * - `sms-in`: act on an incoming message (workers/sms/inbound.ts);
 * - `sms-send`: send an outgoing one (workers/sms/send.ts).
 */
export const SMS_JOBS = { inbound: 'sms-in', send: 'sms-send' } as const;
export type SmsJobName = (typeof SMS_JOBS)[keyof typeof SMS_JOBS];

export interface SmsJobData {
  readonly messageId: number;
}

/** The SMS queue of one database (BullMQ names may not hold `:`). */
export const smsQueueName = (database: DatabaseIdentity): string => `tess-sms-${database.key}`;

/** Failed jobs are retried this often (a database restarting), then left for the sweep. */
const ATTEMPTS = 5;

export class SmsQueue {
  private opened: Queue | undefined;

  private constructor(
    private readonly name: string,
    private readonly connection: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * On `connection`, which stays the caller's (closing the queue leaves it open). Nothing
   * is written to Redis until the first message is queued: a process that fails to start
   * leaves no queue behind.
   */
  static open(connection: Redis, prefix: string, database: DatabaseIdentity): SmsQueue {
    return new SmsQueue(smsQueueName(database), connection, prefix);
  }

  private get queue(): Queue {
    this.opened ??= new Queue(this.name, { connection: this.connection, prefix: this.prefix });
    return this.opened;
  }

  /** Queues work on message `messageId`; false when Redis did not take it within `timeoutMs`. */
  async add(name: SmsJobName, messageId: number, timeoutMs = 2_000): Promise<boolean> {
    const added = this.queue.add(name, { messageId } satisfies SmsJobData, {
      jobId: `${name}-${messageId}`,
      attempts: ATTEMPTS,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: 1_000,
      removeOnFail: 1_000,
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([added.then(() => true), late]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Queues work on a message again that the queue may have dropped or given up on: a job
   * that is still waiting or running is left as it is (one job per message at a time).
   */
  async requeue(name: SmsJobName, messageId: number): Promise<boolean> {
    const job = await this.queue.getJob(`${name}-${messageId}`);
    if (job) {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed') return false;
      await job.remove();
    }
    return this.add(name, messageId);
  }

  async close(): Promise<void> {
    await this.opened?.close();
  }
}
