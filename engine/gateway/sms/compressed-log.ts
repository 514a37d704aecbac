import { invalid } from '../../errors.js';
import { fromBase36, toBase36 } from './base36.js';
import { IPV4 } from './field-codecs.js';
import {
  type CompactCircuit,
  type CompressedLog,
  CREDIT_MAX,
  type PrimaryLog,
  USE_SECONDS_MAX,
  WH_MAX,
} from './meter-messages.js';
import { type MeterTime, meterTime } from './meter-time.js';
import { fitSms, quote, SMS_MAX } from './sms-limits.js';

/**
 * The compressed log: one hour's logs of many circuits in one SMS,
 * `(l<hour>#<circuits on>#<circuits off>)`. The hour is yymmddHH read as a decimal
 * number and written in base 36; each circuit is `<circuit>,<tu>,<wh×10>,<cr×100>`, every
 * number in base 36 (negative credit with a minus sign), circuits separated by `;`. An
 * entry of one number among the circuits on is the mains' energy (wh×10), as the
 * original meters sent it. The original gateway separated the parts with `|`; it is
 * read too (the same one for both), and `#` is written.
 *
 * A circuit's number is the last octet of its cid modulo 100. The original meters wrote
 * the last two characters of the address and the gateway read them back as
 * 192.168.1.2NN: the two agree wherever the original worked (addresses .200 to .299, or
 * any of two digits), and modulo 100 also reads .5 as 5. A meter whose circuits share a
 * number (.101 and .201) cannot use this form; resolveCompactCircuit refuses it.
 */

const CIRCUIT_MAX = 99;
/** A log's hour as yymmddHH, at most 99123123. */
const HOUR_MAX = 99_123_123;

/** The circuit number of a cid: its last octet modulo 100. */
export function compactCircuitNumber(cid: string): number {
  return Number(IPV4.parse(cid, 'cid').split('.')[3]) % 100;
}

/**
 * The one cid among a meter's `cids` with circuit number `n`; an INVALID error when none
 * or several. Addresses that are not IPv4 (a circuit given an IPv6 one) are passed over:
 * a compressed log cannot name them.
 */
export function resolveCompactCircuit(n: number, cids: readonly string[]): string {
  const found = cids.filter((cid) => {
    try {
      return compactCircuitNumber(cid) === n;
    } catch {
      return false;
    }
  });
  if (found.length === 1) return found[0]!;
  throw invalid(
    found.length === 0
      ? `circuit ${n}: no circuit of the meter ends in it`
      : `circuit ${n}: several circuits of the meter end in it (${found.join(', ')}); their logs cannot be compressed`,
  );
}

/** An integer of base-36 `text` in [min, max], named `what`. */
function bounded(text: string, what: string, min: number, max: number): number {
  const n = fromBase36(text, what);
  if (n < min || n > max) throw invalid(`${what}: ${n} is not in ${min}..${max}`);
  return n;
}

function readHour(text: string): MeterTime {
  const n = bounded(text, 'hour', 0, HOUR_MAX);
  const d = String(n).padStart(8, '0');
  const t = meterTime(
    2000 + Number(d.slice(0, 2)),
    Number(d.slice(2, 4)),
    Number(d.slice(4, 6)),
    Number(d.slice(6, 8)),
  );
  if (t === null) throw invalid(`hour: ${d} is not a calendar time yymmddHH`);
  return t;
}

function writeHour(t: MeterTime): string {
  if (t.minute !== 0 || t.second !== 0) {
    throw invalid(`hour: a log's time is a whole hour (got minute ${t.minute}, second ${t.second})`);
  }
  const two = (n: number) => String(n).padStart(2, '0');
  if (meterTime(t.year, t.month, t.day, t.hour) === null)
    throw invalid(`hour: ${JSON.stringify(t)} is not a calendar time`);
  return toBase36(Number(`${two(t.year - 2000)}${two(t.month)}${two(t.day)}${two(t.hour)}`));
}

/** How each number of a circuit is scaled to an integer, and its bounds (of the value itself). */
const NUMBERS = {
  circuit: { scale: 1, min: 0, max: CIRCUIT_MAX },
  tu: { scale: 1, min: 0, max: USE_SECONDS_MAX },
  wh: { scale: 10, min: 0, max: WH_MAX },
  cr: { scale: 100, min: -CREDIT_MAX, max: CREDIT_MAX },
} as const;
type NumberName = keyof typeof NUMBERS;

function readNumber(text: string, name: NumberName, where: string): number {
  const { scale, min, max } = NUMBERS[name];
  return bounded(text, `${where}: ${name}`, min * scale, max * scale) / scale;
}

/** A value as the integer written; an INVALID error when out of bounds or finer than its scale. */
function writeNumber(value: number, name: NumberName, where: string): string {
  const { scale, min, max } = NUMBERS[name];
  const n = Math.round(value * scale);
  if (!Number.isFinite(value) || n / scale !== value) {
    throw invalid(`${where}: ${name}: ${value} is not a whole number of 1/${scale}`);
  }
  if (value < min || value > max) throw invalid(`${where}: ${name}: ${value} is not in ${min}..${max}`);
  return toBase36(n);
}

function readCircuit(text: string, where: string): CompactCircuit {
  const parts = text.split(',');
  if (parts.length !== 4) throw invalid(`${where}: ${quote(text)} is not circuit,tu,wh,cr`);
  const [c, tu, wh, cr] = parts as [string, string, string, string];
  return Object.freeze({
    circuit: readNumber(c, 'circuit', where),
    useSeconds: readNumber(tu, 'tu', where),
    wh: readNumber(wh, 'wh', where),
    credit: readNumber(cr, 'cr', where),
  });
}

function writeCircuit(c: CompactCircuit, where: string): string {
  return [
    writeNumber(c.circuit, 'circuit', where),
    writeNumber(c.useSeconds, 'tu', where),
    writeNumber(c.wh, 'wh', where),
    writeNumber(c.credit, 'cr', where),
  ].join(',');
}

/** Reads the text between the parentheses of a compressed log (it starts with l). */
export function readCompressedLog(body: string): CompressedLog {
  const m = /^l([^#|]*)([#|])(.*)$/is.exec(body);
  if (!m) throw invalid('compressed log: expected l<hour>#<circuits on>#<circuits off>');
  const [, hourText, sep, rest] = m as unknown as [string, string, string, string];
  const sections = rest.split(sep);
  if (sections.length !== 2) {
    throw invalid(
      `compressed log: expected two lists of circuits after the hour, separated by ${sep} (got ${sections.length})`,
    );
  }
  const hour = readHour(hourText);
  let mainsWh: number | null = null;
  const lists = sections.map((section, s) => {
    const name = s === 0 ? 'circuits on' : 'circuits off';
    const circuits: CompactCircuit[] = [];
    if (section === '') return circuits;
    for (const [i, entry] of section.split(';').entries()) {
      const where = `${name}, entry ${i + 1}`;
      if (entry === '') throw invalid(`${where}: empty (a ; at an end or two in a row)`);
      if (!entry.includes(',')) {
        if (s !== 0) throw invalid(`${where}: the mains (one number) can only be among the circuits on`);
        if (mainsWh !== null) throw invalid(`${where}: the mains twice`);
        mainsWh = readNumber(entry, 'wh', `${where} (mains)`);
        continue;
      }
      circuits.push(readCircuit(entry, where));
    }
    return circuits;
  });
  return Object.freeze({
    kind: 'compressed-log',
    hour,
    mainsWh,
    on: Object.freeze(lists[0]!),
    off: Object.freeze(lists[1]!),
  });
}

/** The entries of a log, each written: the mains first, then the circuits on, then off. */
function entries(log: CompressedLog): { readonly on: boolean; readonly text: string }[] {
  return [
    ...(log.mainsWh === null ? [] : [{ on: true, text: writeNumber(log.mainsWh, 'wh', 'mains') }]),
    ...log.on.map((c, i) => ({ on: true, text: writeCircuit(c, `circuits on, entry ${i + 1}`) })),
    ...log.off.map((c, i) => ({ on: false, text: writeCircuit(c, `circuits off, entry ${i + 1}`) })),
  ];
}

const message = (hour: string, on: readonly string[], off: readonly string[]) =>
  `(l${hour}#${on.join(';')}#${off.join(';')})`;

/** One compressed log as one SMS; an INVALID error when it does not fit (split it with formatCompressedLogs). */
export function writeCompressedLog(log: CompressedLog): string {
  const hour = writeHour(log.hour);
  const all = entries(log);
  const text = message(
    hour,
    all.filter((e) => e.on).map((e) => e.text),
    all.filter((e) => !e.on).map((e) => e.text),
  );
  return fitSms(text, 'compressed log (split it with formatCompressedLogs)');
}

/**
 * A compressed log of any number of circuits as SMS of at most SMS_MAX characters each,
 * filled in order: the mains and circuits on, then the circuits off, each message with
 * the hour. Read back and joined, the messages give the log's lists in their order. A log
 * with nothing in it is one message.
 */
export function formatCompressedLogs(log: CompressedLog): string[] {
  const hour = writeHour(log.hour);
  const out: string[] = [];
  let on: string[] = [];
  let off: string[] = [];
  for (const e of entries(log)) {
    const nextOn = e.on ? [...on, e.text] : on;
    const nextOff = e.on ? off : [...off, e.text];
    if (message(hour, nextOn, nextOff).length > SMS_MAX && on.length + off.length > 0) {
      out.push(message(hour, on, off));
      on = e.on ? [e.text] : [];
      off = e.on ? [] : [e.text];
    } else {
      on = nextOn;
      off = nextOff;
    }
  }
  out.push(message(hour, on, off));
  return out.map((text) => fitSms(text, 'compressed log'));
}

/**
 * The circuits of a compressed log as primary logs, each circuit's cid found among its
 * meter's `cids` (resolveCompactCircuit). The mains stays in `log.mainsWh`: it is no
 * customer's circuit.
 */
export function inflateCompressedLog(log: CompressedLog, cids: readonly string[]): PrimaryLog[] {
  const toLog = (c: CompactCircuit, on: boolean): PrimaryLog =>
    Object.freeze({
      kind: 'primary-log',
      on,
      hour: log.hour,
      cid: resolveCompactCircuit(c.circuit, cids),
      useSeconds: c.useSeconds,
      wh: c.wh,
      credit: c.credit,
      circuitType: 'CIRCUIT',
      meter: null,
    });
  return [...log.on.map((c) => toLog(c, true)), ...log.off.map((c) => toLog(c, false))];
}
