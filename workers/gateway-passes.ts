import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { ErrorCode, TessError } from '../engine/errors.js';
import { DEFAULT_INTERVAL } from '../engine/index.js';
import { intervalStart, isValidInterval } from '../engine/intervals.js';
import {
  chargePendingConsumption,
  type Database,
  type GatewaySystem,
  runAlertPass,
  runJobPass,
} from '../storage/index.js';

/**
 * The prepaid gateway's work for one system at one boundary: consumption charged, then
 * alerts judged (on the balances just charged), then overdue jobs sent again or failed.
 * Each pass is its own transaction and safe to repeat at the same boundary, so a job
 * redelivered after a crash, or run by two processes, changes nothing the second time.
 */
export interface GatewayOutcome {
  readonly charged: number;
  readonly waiting: number;
  readonly alerts: number;
  readonly jobs: number;
}

/** Seconds between a system's gateway passes: its market `interval`, or 300 when unset. */
export function gatewayInterval(system: GatewaySystem): number {
  if (system.interval === null) return DEFAULT_INTERVAL;
  const seconds = Number(system.interval);
  if (!isValidInterval(seconds)) {
    throw new TessError(
      ErrorCode.INVALID,
      `system ${system.system}: config interval must be whole seconds from 1 to 86400, not ${system.interval}`,
    );
  }
  return seconds;
}

export async function runGatewayPasses(
  db: Database,
  log: Logger,
  systemId: number,
  boundary: Date,
): Promise<GatewayOutcome> {
  const charge = await chargePendingConsumption(db, systemId, boundary);
  const alerts = await runAlertPass(db, systemId, boundary);
  const jobs = await runJobPass(db, systemId, boundary);
  const raised = Object.values(alerts.raised).reduce((a, b) => a + (b ?? 0), 0);
  const outcome = {
    charged: charge.charged,
    waiting: charge.waiting,
    alerts: raised,
    jobs: alerts.turnOff + alerts.turnOn + jobs.resent,
  };
  if (raised > 0 || jobs.failed > 0) {
    log.info({ system: systemId, boundary, ...alerts.raised, failedJobs: jobs.failed }, 'gateway alerts');
  }
  return outcome;
}

export interface GatewayJobData {
  readonly systemId: number;
  readonly seconds: number;
}

/**
 * One BullMQ job scheduler per system with circuits (`gateway:<system>`), every `interval`
 * seconds, on the market's queue; `every` remembers what each was set to.
 */
export async function syncGatewaySchedulers(
  db: Database,
  queue: Queue,
  log: Logger,
  every: Map<number, number>,
): Promise<void> {
  for (const system of await db.listGatewaySystems()) {
    let seconds: number;
    try {
      seconds = gatewayInterval(system);
    } catch (err) {
      log.error({ err, system: system.system }, 'gateway not scheduled: bad interval config');
      continue;
    }
    if (every.get(system.systemId) === seconds) continue;
    await queue.upsertJobScheduler(
      `gateway:${system.systemId}`,
      { every: seconds * 1000 },
      {
        name: 'gateway',
        data: { systemId: system.systemId, seconds } satisfies GatewayJobData,
        opts: {
          attempts: 3,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: 1000,
          removeOnFail: 1000,
        },
      },
    );
    every.set(system.systemId, seconds);
  }
}

/**
 * Runs a scheduler's job at the boundary it was made for: the start of the interval its
 * scheduled time falls in, the same on every attempt of the job.
 */
export function runGatewayJob(db: Database, log: Logger, job: Job<GatewayJobData>): Promise<GatewayOutcome> {
  const due = job.timestamp + (job.opts.delay ?? 0);
  return runGatewayPasses(db, log, job.data.systemId, intervalStart(due, job.data.seconds));
}
