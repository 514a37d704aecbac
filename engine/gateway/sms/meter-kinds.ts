import type { JobType } from '../jobs.js';
import { decimal, FLAG, IPV4, integer, METER_NAME, oneOf, stamp } from './field-codecs.js';
import { type KvKind, kvKind } from './kv-message.js';
import {
  CIRCUIT_TYPES,
  CREDIT_MAX,
  type GatewayPing,
  type JobAck,
  type JobMessage,
  JOB_ID_MAX,
  METER_ALERTS,
  type MeterAlertMessage,
  type PingAnswer,
  type PrimaryLog,
  USE_SECONDS_MAX,
  WH_MAX,
} from './meter-messages.js';

/**
 * Every key=value kind of the meter protocol, as data: the messages meters send and the
 * ones the gateway sends. Fields are listed in the order they are written.
 */

const CREDIT = decimal({ min: -CREDIT_MAX, max: CREDIT_MAX, decimals: 6 });
const WH = decimal({ min: 0, max: WH_MAX, decimals: 3 });
const SECONDS = decimal({ min: 0, max: USE_SECONDS_MAX, decimals: 3 });
const JOB_ID = integer({ min: 1, max: JOB_ID_MAX });
/** A credit given is positive, to the micro-unit, as credit tokens' values are. */
const AMOUNT = decimal({ min: 1e-6, max: CREDIT_MAX, decimals: 6 });
const CIRCUIT_TYPE = oneOf(CIRCUIT_TYPES);

export const PRIMARY_LOG = kvKind<PrimaryLog, 'kind'>({
  tag: 'pp',
  bare: false,
  fixed: { kind: 'primary-log' },
  fields: {
    on: { key: 'status', codec: FLAG },
    hour: { key: 'ts', codec: stamp('hour') },
    cid: { key: 'cid', codec: IPV4 },
    useSeconds: { key: 'tu', codec: SECONDS },
    wh: { key: 'wh', codec: WH },
    credit: { key: 'cr', codec: CREDIT, optional: true },
    circuitType: { key: 'ct', codec: CIRCUIT_TYPE },
    meter: { key: 'mid', codec: METER_NAME, optional: true },
  },
});

export const METER_ALERT = kvKind<MeterAlertMessage, 'kind'>({
  tag: 'alert',
  bare: false,
  fixed: { kind: 'meter-alert' },
  fields: {
    meter: { key: 'mid', codec: METER_NAME, optional: true },
    cid: { key: 'cid', codec: IPV4 },
    alert: { key: 'alert', codec: oneOf(METER_ALERTS) },
    credit: { key: 'cr', codec: CREDIT, optional: true },
  },
});

export const JOB_ACK = kvKind<JobAck, 'kind'>({
  tag: 'delete',
  bare: false,
  fixed: { kind: 'job-ack' },
  fields: {
    jobId: { key: 'jobid', codec: JOB_ID },
    on: { key: 'status', codec: FLAG, optional: true },
    credit: { key: 'cr', codec: CREDIT, optional: true },
    time: { key: 'ts', codec: stamp('second'), optional: true },
    useSeconds: { key: 'tu', codec: SECONDS, optional: true },
    wh: { key: 'wh', codec: WH, optional: true },
    circuitType: { key: 'ct', codec: CIRCUIT_TYPE, optional: true },
  },
});

export const GATEWAY_PING = kvKind<GatewayPing, 'kind'>({
  tag: 'gateway-ping',
  bare: false,
  fixed: { kind: 'gateway-ping' },
  fields: { meterTime: { key: 'meter-time', codec: stamp('second') } },
});

/** The key=value kinds a meter sends, by job name. */
export const METER_KV_KINDS: ReadonlyMap<
  string,
  KvKind<PrimaryLog | MeterAlertMessage | JobAck | GatewayPing>
> = new Map([PRIMARY_LOG, METER_ALERT, JOB_ACK, GATEWAY_PING].map((k) => [k.tag, k]));

export const PING_ANSWER = kvKind<PingAnswer, 'kind'>({
  tag: 'ack',
  bare: true,
  fixed: { kind: 'ping-answer' },
  fields: {
    gatewayTime: { key: 'gateway-time', codec: stamp('second') },
    meterTime: { key: 'meter-time', codec: stamp('second') },
  },
});

/** Each job type's kind: its name on the wire and the fields it carries. A missing type is a compile error. */
export const JOB_KINDS: { readonly [T in JobType]: KvKind<JobMessage<T>> } = {
  AddCredit: kvKind<JobMessage<'AddCredit'>, 'kind' | 'type'>({
    tag: 'cr',
    bare: false,
    fixed: { kind: 'job', type: 'AddCredit' },
    fields: {
      jobId: { key: 'jobid', codec: JOB_ID },
      cid: { key: 'cid', codec: IPV4 },
      amount: { key: 'amt', codec: AMOUNT },
    },
  }),
  TurnOff: kvKind<JobMessage<'TurnOff'>, 'kind' | 'type'>({
    tag: 'coff',
    bare: false,
    fixed: { kind: 'job', type: 'TurnOff' },
    fields: { jobId: { key: 'jobid', codec: JOB_ID }, cid: { key: 'cid', codec: IPV4 } },
  }),
  TurnOn: kvKind<JobMessage<'TurnOn'>, 'kind' | 'type'>({
    tag: 'con',
    bare: false,
    fixed: { kind: 'job', type: 'TurnOn' },
    fields: { jobId: { key: 'jobid', codec: JOB_ID }, cid: { key: 'cid', codec: IPV4 } },
  }),
  Mping: kvKind<JobMessage<'Mping'>, 'kind' | 'type'>({
    tag: 'mping',
    bare: false,
    fixed: { kind: 'job', type: 'Mping' },
    fields: { jobId: { key: 'jobid', codec: JOB_ID } },
  }),
  Cping: kvKind<JobMessage<'Cping'>, 'kind' | 'type'>({
    tag: 'cping',
    bare: false,
    fixed: { kind: 'job', type: 'Cping' },
    fields: { jobId: { key: 'jobid', codec: JOB_ID }, cid: { key: 'cid', codec: IPV4 } },
  }),
};

/** The key=value kinds the gateway sends, by job name (the ping answer by its bare word). */
export const GATEWAY_KV_KINDS: ReadonlyMap<string, KvKind<JobMessage | PingAnswer>> = new Map<
  string,
  KvKind<JobMessage | PingAnswer>
>([...Object.values(JOB_KINDS), PING_ANSWER].map((k) => [k.tag, k as KvKind<JobMessage | PingAnswer>]));
