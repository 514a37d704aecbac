import type { JobType } from '../jobs.js';
import { writeCompressedLog } from './compressed-log.js';
import { METER_NAME } from './field-codecs.js';
import type { KvKind } from './kv-message.js';
import { GATEWAY_PING, JOB_ACK, JOB_KINDS, METER_ALERT, PING_ANSWER, PRIMARY_LOG } from './meter-kinds.js';
import type {
  GatewayMessage,
  GatewayPing,
  JobArgs,
  JobMessage,
  MeterMessage,
  PingAnswer,
} from './meter-messages.js';
import { meterTimeAt } from './meter-time.js';
import { fitSms } from './sms-limits.js';

/**
 * Writing the meter protocol: every message as one SMS. A value the reader would refuse
 * (out of range, too precise, not a calendar time) is refused here too, with the same
 * INVALID error, so the gateway never sends what a meter cannot read, and the simulator
 * never sends what the gateway cannot.
 */

type Writer<M> = (message: M) => string;

const METER_WRITERS: { readonly [K in MeterMessage['kind']]: Writer<Extract<MeterMessage, { kind: K }>> } = {
  'primary-log': (m) => PRIMARY_LOG.write(m),
  'compressed-log': writeCompressedLog,
  'meter-alert': (m) => METER_ALERT.write(m),
  'meter-online': (m) => fitSms(`${METER_NAME.parse(m.meter, 'meter name')} online`, 'meter online'),
  'job-ack': (m) => JOB_ACK.write(m),
  'gateway-ping': (m) => GATEWAY_PING.write(m),
};

/** The text of a message a meter sends (a compressed log too large for one SMS is refused: formatCompressedLogs splits it). */
export function formatMeterMessage(message: MeterMessage): string {
  return (METER_WRITERS[message.kind] as Writer<MeterMessage>)(message);
}

/** The text of a job for its meter, from its type and fields: its id and what the type carries. */
export function formatJob<T extends JobType>(
  type: T,
  fields: { readonly jobId: number } & JobArgs[T],
): string {
  return (JOB_KINDS[type] as KvKind<JobMessage>).write({ ...fields, kind: 'job', type } as JobMessage);
}

/** The answer to a gateway ping received at `now` (ms): the gateway's clock in UTC and the ping's own time. */
export function pingAnswer(ping: GatewayPing, now: number): PingAnswer {
  return Object.freeze({
    kind: 'ping-answer',
    gatewayTime: meterTimeAt(now, 'UTC'),
    meterTime: ping.meterTime,
  });
}

/** The text of a message the gateway sends: a job or a ping answer. */
export function formatGatewayMessage(message: GatewayMessage): string {
  if (message.kind === 'ping-answer') return PING_ANSWER.write(message);
  return (JOB_KINDS[message.type] as KvKind<JobMessage>).write(message);
}
