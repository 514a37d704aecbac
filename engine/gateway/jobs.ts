/**
 * Control jobs sent to a field meter: a meter pulls its pending jobs (they become sent)
 * and acknowledges each (acknowledged). A sent job not acknowledged within the timeout is
 * sent again, the wait doubling each time, up to `job-retries` more sends; after the last
 * it fails, and the failure raises UnresponsiveJob. An acknowledgement is idempotent: a
 * second one of the same job changes nothing.
 */
export const JOB_TYPES = ['AddCredit', 'TurnOff', 'TurnOn', 'Mping', 'Cping'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATES = ['pending', 'sent', 'acknowledged', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const DEFAULT_JOB_TIMEOUT_S = 900;

/**
 * The unique-id prefix of a switch a person asked for (a customer's `on`/`off` by SMS):
 * every other TurnOn/TurnOff is the gateway's own, from its alert pass. The pass undoes
 * only its own cuts: a circuit its customer switched off stays off when credit returns.
 */
export const PERSON_JOB_PREFIX = 'sms:';

/** Who commanded a switch: a person (PERSON_JOB_PREFIX) or the gateway. */
export const switchedBy = (uniqueId: string): 'person' | 'gateway' =>
  uniqueId.startsWith(PERSON_JOB_PREFIX) ? 'person' : 'gateway';
export const DEFAULT_JOB_RETRIES = 3;

export interface JobProgress {
  readonly state: JobState;
  /** How many times it was sent. */
  readonly sends: number;
  /** When it was last sent (ms), for a sent job. */
  readonly sentAt: number | null;
}

export interface JobRules {
  readonly timeoutMs: number;
  readonly retries: number;
}

/** When a sent job's wait ends: the timeout, doubled for each send before the last. */
export function ackDeadline(job: JobProgress, rules: JobRules): number | null {
  if (job.state !== 'sent' || job.sentAt === null) return null;
  return job.sentAt + rules.timeoutMs * 2 ** Math.max(0, job.sends - 1);
}

/** What a job needs at `now`: nothing, another send (back to pending), or to fail. */
export function jobStep(job: JobProgress, now: number, rules: JobRules): 'wait' | 'resend' | 'fail' {
  const deadline = ackDeadline(job, rules);
  if (deadline === null || now < deadline) return 'wait';
  return job.sends <= rules.retries ? 'resend' : 'fail';
}
