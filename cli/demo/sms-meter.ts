import { DateTime } from 'luxon';
import {
  type CompactCircuit,
  compactCircuitNumber,
  formatCompressedLogs,
  formatMeterMessage,
  type GatewayMessage,
  type JobMessage,
  meterTimeAt,
  parseGatewayMessage,
} from '../../engine/gateway/index.js';

/**
 * The demo village's field meter as it speaks SMS (the meters' protocol in
 * engine/gateway/sms/): it measures each circuit's energy, and when an hour of its clock
 * ends it texts that hour's compressed log, split to fit 160 characters; it obeys the jobs
 * TESS texts it (turning circuits off and on) and acknowledges each with `job=delete`; it
 * pings the gateway. Its logs are hourly because the protocol's are (a log's time is a
 * whole hour, and a circuit logs each hour once), so over SMS the village is charged once
 * an hour, whatever the market's interval.
 */

const HOUR_MS = 3_600_000;

/** A circuit as the meter's relay knows it. */
export interface Relay {
  readonly cid: string;
  on: boolean;
}

interface Measured {
  wh: number;
  seconds: number;
}

export interface SmsMeterOptions {
  /** The zone the meter's clock is set to (its field meter's time_zone). */
  readonly zone: string;
  /** The meter's circuits by cid: dotted IPv4 addresses whose last octets differ modulo 100. */
  readonly relays: ReadonlyMap<string, Relay>;
  /** Texts TESS from the meter's number: true when taken. */
  readonly send: (text: string) => Promise<boolean>;
  /** Told of each job after the meter carried it out. */
  readonly onJob?: (job: JobMessage, relay: Relay | undefined) => void;
  /** Told of each answer to its pings. */
  readonly onPong?: () => void;
}

export class SmsMeter {
  /** Energy measured per hour of the meter's clock (its start, ms) and circuit. */
  private readonly hours = new Map<number, Map<string, Measured>>();

  constructor(private readonly options: SmsMeterOptions) {}

  /** The start (ms) of the hour of the meter's clock that `ms` falls in. */
  private hourOf(ms: number): number {
    return DateTime.fromMillis(ms, { zone: this.options.zone }).startOf('hour').toMillis();
  }

  /** Records that `cid` drew `watts` over [from, to) (ms), split between the hours it spans; nothing while off. */
  measure(cid: string, from: number, to: number, watts: number): void {
    if (!(to > from) || !(watts >= 0)) return;
    for (let start = from; start < to; ) {
      const hour = this.hourOf(start);
      const end = Math.min(to, hour + HOUR_MS);
      const circuits = this.hours.get(hour) ?? new Map<string, Measured>();
      this.hours.set(hour, circuits);
      const m = circuits.get(cid) ?? { wh: 0, seconds: 0 };
      m.wh += (watts * (end - start)) / HOUR_MS;
      m.seconds += watts > 0 ? (end - start) / 1000 : 0;
      circuits.set(cid, m);
      start = end;
    }
  }

  /** The SMS of every hour that ended by `now` (ms), each hour's compressed log in order; the hours are then forgotten. */
  endedHours(now: number): string[] {
    const texts: string[] = [];
    for (const hour of [...this.hours.keys()].sort((a, b) => a - b)) {
      if (hour + HOUR_MS > now) continue;
      texts.push(...this.hourLog(hour, this.hours.get(hour)!));
      this.hours.delete(hour);
    }
    return texts;
  }

  /** Texts TESS the logs of the hours that ended by `now`: the number of hours logged. */
  async sendLogs(now: number): Promise<number> {
    const hours = [...this.hours.keys()].filter((hour) => hour + HOUR_MS <= now).length;
    for (const text of this.endedHours(now)) await this.options.send(text);
    return hours;
  }

  /** Asks the gateway whether it hears the meter. */
  async ping(now: number): Promise<boolean> {
    return this.options.send(
      formatMeterMessage({ kind: 'gateway-ping', meterTime: meterTimeAt(now, this.options.zone) }),
    );
  }

  /**
   * What the meter does with a text from TESS: a job is carried out and acknowledged with
   * the relay's state after it; a ping's answer is noted. Anything else is none of its
   * business, as for a meter whose number a stranger texts.
   */
  async receive(text: string): Promise<void> {
    let message: GatewayMessage;
    try {
      message = parseGatewayMessage(text);
    } catch {
      return;
    }
    if (message.kind === 'ping-answer') {
      this.options.onPong?.();
      return;
    }
    const relay = 'cid' in message ? this.options.relays.get(message.cid) : undefined;
    if (relay && message.type === 'TurnOff') relay.on = false;
    if (relay && message.type === 'TurnOn') relay.on = true;
    await this.options.send(
      formatMeterMessage({
        kind: 'job-ack',
        jobId: message.jobId,
        on: relay ? relay.on : null,
        credit: null,
        time: null,
        useSeconds: null,
        wh: null,
        circuitType: null,
      }),
    );
    this.options.onJob?.(message, relay);
  }

  /**
   * One hour's compressed log: every circuit, on or off as its relay is now, with what it
   * drew. These meters keep no credit of their own (TESS's ledger is the credit), so each
   * reports 0.
   */
  private hourLog(hour: number, measured: ReadonlyMap<string, Measured>): string[] {
    const on: CompactCircuit[] = [];
    const off: CompactCircuit[] = [];
    for (const relay of this.options.relays.values()) {
      const m = measured.get(relay.cid) ?? { wh: 0, seconds: 0 };
      (relay.on ? on : off).push({
        circuit: compactCircuitNumber(relay.cid),
        useSeconds: Math.min(Math.round(m.seconds), 3600),
        wh: Math.round(m.wh * 10) / 10,
        credit: 0,
      });
    }
    return formatCompressedLogs({
      kind: 'compressed-log',
      hour: meterTimeAt(hour, this.options.zone),
      mainsWh: null,
      on,
      off,
    });
  }
}
