import { setTimeout as sleepFor } from 'node:timers/promises';
import { ErrorCode, invalid, TessError } from '../../../engine/errors.js';
import { deadline } from './deadline.js';
import { failure } from './outcome.js';
import type { OutboundSms, SendOutcome, SmsSender } from './sender.js';

/**
 * Sends one message, retrying what may pass on a later try: up to `attempts` attempts,
 * each under its own deadline, with exponential backoff and full jitter between them (a
 * wait drawn uniformly from 0 to min(maxBackoffMs, backoffMs · 2^(n-1)) after attempt n),
 * so that many messages failing together do not return together. Every attempt carries the
 * same key: a provider that takes idempotency keys delivers the message once even when an
 * attempt timed out after the provider had accepted it.
 *
 * Every attempt is handed to `record` as it ends, before any wait, so that what was tried
 * is stored even if the process dies while waiting. A `record` that throws stops the
 * sending and rejects with its error.
 */
export interface RetryOptions {
  /** Attempts in all, the first included (1 to 20). @defaultValue 4 */
  readonly attempts?: number;
  /** The wait bound after the first attempt, doubled after each next. @defaultValue 1000 ms */
  readonly backoffMs?: number;
  /** The longest wait between two attempts. @defaultValue 30000 ms */
  readonly maxBackoffMs?: number;
  /** The deadline of one attempt (1 ms to 10 min). @defaultValue 15000 ms */
  readonly timeoutMs?: number;
  /** Aborts the attempt in flight and stops the sending: no further attempt starts. */
  readonly signal?: AbortSignal;
  /** The clock of startedAt and endedAt. @defaultValue the system clock */
  readonly now?: () => Date;
  /** A draw from [0, 1) for the jitter. @defaultValue Math.random */
  readonly random?: () => number;
  /** Waits ms, or rejects once the signal aborts. @defaultValue a timer */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

export interface SendAttempt {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly outcome: SendOutcome;
}

export interface RetryResult {
  /** The last attempt's outcome: a success, a refusal, or the last of the retryable failures. */
  readonly outcome: SendOutcome;
  /** Attempts made; 0 when the signal had aborted before the first. */
  readonly attempts: number;
}

type Bounded = 'attempts' | 'backoffMs' | 'maxBackoffMs' | 'timeoutMs';

export const RETRY_DEFAULTS: Readonly<Record<Bounded, number>> = Object.freeze({
  attempts: 4,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  timeoutMs: 15_000,
});

/** The range of each option: numbers from configuration reach timers and arithmetic. */
const RANGES: Readonly<Record<Bounded, readonly [number, number]>> = {
  attempts: [1, 20],
  backoffMs: [0, 3_600_000],
  maxBackoffMs: [0, 3_600_000],
  timeoutMs: [1, 600_000],
};

export async function sendWithRetry(
  sender: SmsSender,
  sms: OutboundSms,
  options: RetryOptions,
  record: (attempt: SendAttempt) => Promise<void> | void,
): Promise<RetryResult> {
  const o = checked(options);
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
  const outer = options.signal;

  let outcome: SendOutcome = failure(true, 'aborted before the first attempt', null);
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (outer?.aborted) return done(outcome, attempt - 1);
    const startedAt = now();
    const limit = deadline(o.timeoutMs, outer);
    try {
      outcome = await sender.send(sms, limit.signal);
    } finally {
      limit.clear();
    }
    await record(Object.freeze({ attempt, startedAt, endedAt: now(), outcome }));
    if (outcome.ok || !outcome.retry || attempt === o.attempts) return done(outcome, attempt);
    const bound = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** (attempt - 1));
    try {
      await sleep(Math.floor(Math.min(Math.max(random(), 0), 1) * bound), outer);
    } catch (error) {
      if (outer?.aborted) return done(outcome, attempt);
      throw error;
    }
  }
  throw new TessError(ErrorCode.INTERNAL, 'sendWithRetry: the last attempt returns');
}

const done = (outcome: SendOutcome, attempts: number): RetryResult => Object.freeze({ outcome, attempts });

function checked(options: RetryOptions): Readonly<Record<Bounded, number>> {
  const out: Record<Bounded, number> = { ...RETRY_DEFAULTS };
  for (const name of Object.keys(RANGES) as Bounded[]) {
    const value = options[name] ?? RETRY_DEFAULTS[name];
    const [min, max] = RANGES[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw invalid(`${name}: must be an integer from ${min} to ${max}`);
    }
    out[name] = value;
  }
  return out;
}
