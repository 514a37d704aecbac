import type { JobType } from '../jobs.js';
import type { MeterTime } from './meter-time.js';

/**
 * The SMS protocol between field meters and the gateway, as typed messages. Glossary:
 * - cid: a circuit's address on its meter's network, a dotted IPv4 address;
 * - mid: a meter's name;
 * - pp ("primary parameters"): a circuit's log for one hour: relay state, use time,
 *   energy, the credit the meter holds;
 * - compressed log: the logs of many circuits for one hour in one SMS, numbers in base 36;
 * - job: a command the gateway sends a meter (control jobs, engine/gateway/jobs.ts),
 *   which the meter acknowledges with job=delete;
 * - gateway ping: a meter checking that the gateway hears it, answered with both clocks.
 * Every value is range-checked where it is read, with the bounds below.
 */

/** Most energy in one log, Wh: 10 MWh is beyond any circuit of a microgrid (as for posted logs). */
export const WH_MAX = 1e7;
/** Most use time in one log, seconds: 31 days. */
export const USE_SECONDS_MAX = 31 * 86_400;
/** Largest credit a meter may report or be given, in currency units, either sign. */
export const CREDIT_MAX = 1e9;
/** Job ids are positive and exact in a double. */
export const JOB_ID_MAX = Number.MAX_SAFE_INTEGER;

/**
 * What a meter alerts (job=alert): lcw low credit warning; nocw no credit left; pmax
 * power above the circuit's maximum; emax energy above the circuit's daily maximum; md
 * the meter itself failed; ce a circuit failed; sdc reported by meters, with no meaning
 * documented (the original gateway ignored it; it is kept for the operator to see);
 * online the meter came back.
 */
export const METER_ALERTS = ['lcw', 'nocw', 'pmax', 'emax', 'md', 'ce', 'sdc', 'online'] as const;
export type MeterAlert = (typeof METER_ALERTS)[number];

/** A log's circuit type: a customer's circuit, or the meter's mains. */
export const CIRCUIT_TYPES = ['CIRCUIT', 'MAINS'] as const;
export type CircuitType = (typeof CIRCUIT_TYPES)[number];

/** job=pp: one circuit's log for one hour. */
export interface PrimaryLog {
  readonly kind: 'primary-log';
  /** status: the relay closed (1, on) or open (0). */
  readonly on: boolean;
  /** ts (YYYYMMDDHH): the hour logged, by the meter's clock. */
  readonly hour: MeterTime;
  readonly cid: string;
  /** tu: use time, seconds (up to 3 decimals). */
  readonly useSeconds: number;
  /** wh: energy, Wh (up to 3 decimals). */
  readonly wh: number;
  /** cr: the credit the meter holds, currency units (up to 6 decimals); null when not sent. */
  readonly credit: number | null;
  /** ct */
  readonly circuitType: CircuitType;
  /** mid: the meter's name, which some firmware adds; null when not sent. */
  readonly meter: string | null;
}

/** One circuit in a compressed log: every number is written in base 36, scaled to an integer. */
export interface CompactCircuit {
  /** The circuit's number: the last octet of its cid modulo 100 (compressed-log.ts). */
  readonly circuit: number;
  /** Whole seconds. */
  readonly useSeconds: number;
  /** Wh, to the tenth (written ×10). */
  readonly wh: number;
  /** Currency units, to the hundredth (written ×100), either sign. */
  readonly credit: number;
}

/** (l…): the logs of one hour of many circuits, the circuits on and off in two lists. */
export interface CompressedLog {
  readonly kind: 'compressed-log';
  readonly hour: MeterTime;
  /** The mains' energy, Wh to the tenth: an entry of one number among the circuits on; null when absent. */
  readonly mainsWh: number | null;
  readonly on: readonly CompactCircuit[];
  readonly off: readonly CompactCircuit[];
}

/** job=alert: a meter's alert about one of its circuits (or itself: md, online). */
export interface MeterAlertMessage {
  readonly kind: 'meter-alert';
  /** mid */
  readonly meter: string | null;
  readonly cid: string;
  readonly alert: MeterAlert;
  /** cr */
  readonly credit: number | null;
}

/** "<name> online": a meter announcing it is back, the older form of alert=online. */
export interface MeterOnline {
  readonly kind: 'meter-online';
  readonly meter: string;
}

/**
 * job=delete: a meter acknowledging a job. Besides the job id, meters send the circuit's
 * state after it (status, cr), and some firmware the log fields of the moment (ts to the
 * second, tu, wh, ct); each is null when not sent.
 */
export interface JobAck {
  readonly kind: 'job-ack';
  /** jobid */
  readonly jobId: number;
  /** status: the circuit's relay after the job, on (1) or off (0). */
  readonly on: boolean | null;
  /** cr */
  readonly credit: number | null;
  /** ts (YYYYMMDDHHmmss) */
  readonly time: MeterTime | null;
  /** tu */
  readonly useSeconds: number | null;
  /** wh */
  readonly wh: number | null;
  /** ct */
  readonly circuitType: CircuitType | null;
}

/** job=gateway-ping: a meter asking whether the gateway hears it. */
export interface GatewayPing {
  readonly kind: 'gateway-ping';
  /** meter-time (YYYYMMDDHHmmss): the meter's clock when it sent the ping. */
  readonly meterTime: MeterTime;
}

/** What a field meter sends. */
export type MeterMessage =
  | PrimaryLog
  | CompressedLog
  | MeterAlertMessage
  | MeterOnline
  | JobAck
  | GatewayPing;

/** What each job carries besides its id (engine/gateway/jobs.ts names the types). */
export interface JobArgs {
  readonly AddCredit: { readonly cid: string; readonly amount: number };
  readonly TurnOff: { readonly cid: string };
  readonly TurnOn: { readonly cid: string };
  readonly Mping: Record<never, never>;
  readonly Cping: { readonly cid: string };
}

/** A job as sent to a meter: (job=cr&jobid=…&cid=…&amt=…) and the like. */
export type JobMessage<T extends JobType = JobType> = {
  [K in T]: { readonly kind: 'job'; readonly type: K; readonly jobId: number } & JobArgs[K];
}[T];

/**
 * (ack&gateway-time=…&meter-time=…): the answer to a gateway ping. gateway-time is the
 * gateway's clock in UTC and meter-time the ping's own, echoed, both YYYYMMDDHHmmss: the
 * meter matches the answer to its ping and sees how far its clock is off. (The original
 * gateway wrote its local time as YYYY-MM-DD-HH:MM:SS; one digits-only shape for both,
 * in UTC, leaves the meter nothing to guess.)
 */
export interface PingAnswer {
  readonly kind: 'ping-answer';
  readonly gatewayTime: MeterTime;
  readonly meterTime: MeterTime;
}

/** What the gateway sends a field meter. */
export type GatewayMessage = JobMessage | PingAnswer;
