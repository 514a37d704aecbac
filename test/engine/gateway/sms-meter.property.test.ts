import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isTessError } from '../../../engine/errors.js';
import {
  type CompactCircuit,
  type CompressedLog,
  CREDIT_MAX,
  formatCompressedLogs,
  formatGatewayMessage,
  formatJob,
  formatMeterMessage,
  type GatewayMessage,
  JOB_ID_MAX,
  type JobAck,
  METER_ALERTS,
  type MeterMessage,
  type MeterTime,
  meterTime,
  meterTimeAt,
  parseGatewayMessage,
  parseMeterMessage,
  pingAnswer,
  type PrimaryLog,
  USE_SECONDS_MAX,
  WH_MAX,
} from '../../../engine/gateway/index.js';

/** Every calendar time a meter keeps (years 2000–2099), hours 0 and 23 and 29 February included. */
const timeArb = (wholeHour: boolean): fc.Arbitrary<MeterTime> =>
  fc
    .record({
      year: fc.integer({ min: 2000, max: 2099 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 31 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: wholeHour ? fc.constant(0) : fc.integer({ min: 0, max: 59 }),
      second: wholeHour ? fc.constant(0) : fc.integer({ min: 0, max: 59 }),
    })
    .map(({ year, month, day, hour, minute, second }) => {
      const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
      return meterTime(year, month, Math.min(day, last), hour, minute, second)!;
    });

/** Numbers of [min, max] in steps of 10^-decimals, across the whole range. */
const decimalArb = (min: number, max: number, decimals: number) => {
  const scale = 10 ** decimals;
  return fc
    .integer({ min: Math.round(min * scale), max: Math.round(max * scale) })
    .map((n) => (n === 0 ? 0 : n / scale));
};

const cidArb = fc
  .tuple(...Array.from({ length: 4 }, () => fc.integer({ min: 0, max: 255 })))
  .map((o) => o.join('.'));
const nameArb = fc.stringMatching(/^[A-Za-z0-9._:/-]([A-Za-z0-9 ._:/-]{0,30}[A-Za-z0-9._:/-])?$/);
const creditArb = decimalArb(-CREDIT_MAX, CREDIT_MAX, 6);
const whArb = decimalArb(0, WH_MAX, 3);
const secondsArb = decimalArb(0, USE_SECONDS_MAX, 3);
const jobIdArb = fc.integer({ min: 1, max: JOB_ID_MAX });
const circuitTypeArb = fc.constantFrom('CIRCUIT' as const, 'MAINS' as const);

const primaryLogArb: fc.Arbitrary<PrimaryLog> = fc.record({
  kind: fc.constant('primary-log' as const),
  on: fc.boolean(),
  hour: timeArb(true),
  cid: cidArb,
  useSeconds: secondsArb,
  wh: whArb,
  credit: fc.option(creditArb),
  circuitType: circuitTypeArb,
  meter: fc.option(nameArb),
});

const compactArb: fc.Arbitrary<CompactCircuit> = fc.record({
  circuit: fc.integer({ min: 0, max: 99 }),
  useSeconds: fc.integer({ min: 0, max: USE_SECONDS_MAX }),
  wh: decimalArb(0, WH_MAX, 1),
  credit: decimalArb(-CREDIT_MAX, CREDIT_MAX, 2),
});

/** A compressed log of `max` circuits at most (five always fit one SMS, with the mains). */
const compressedArb = (max: number): fc.Arbitrary<CompressedLog> =>
  fc
    .record({
      hour: timeArb(true),
      mainsWh: fc.option(decimalArb(0, WH_MAX, 1)),
      circuits: fc.array(fc.tuple(fc.boolean(), compactArb), { maxLength: max }),
    })
    .map(({ hour, mainsWh, circuits }) => ({
      kind: 'compressed-log',
      hour,
      mainsWh,
      on: circuits.filter(([on]) => on).map(([, c]) => c),
      off: circuits.filter(([on]) => !on).map(([, c]) => c),
    }));

const jobAckArb: fc.Arbitrary<JobAck> = fc.record({
  kind: fc.constant('job-ack' as const),
  jobId: jobIdArb,
  on: fc.option(fc.boolean()),
  credit: fc.option(creditArb),
  time: fc.option(timeArb(false)),
  useSeconds: fc.option(secondsArb),
  wh: fc.option(whArb),
  circuitType: fc.option(circuitTypeArb),
});

const meterMessageArb: fc.Arbitrary<MeterMessage> = fc.oneof(
  primaryLogArb,
  compressedArb(5),
  fc.record({
    kind: fc.constant('meter-alert' as const),
    meter: fc.option(nameArb),
    cid: cidArb,
    alert: fc.constantFrom(...METER_ALERTS),
    credit: fc.option(creditArb),
  }),
  fc.record({ kind: fc.constant('meter-online' as const), meter: nameArb }),
  jobAckArb,
  fc.record({ kind: fc.constant('gateway-ping' as const), meterTime: timeArb(false) }),
);

const gatewayMessageArb: fc.Arbitrary<GatewayMessage> = fc.oneof(
  fc.record({
    kind: fc.constant('job' as const),
    type: fc.constant('AddCredit' as const),
    jobId: jobIdArb,
    cid: cidArb,
    amount: decimalArb(0.000001, CREDIT_MAX, 6),
  }),
  fc.record({
    kind: fc.constant('job' as const),
    type: fc.constantFrom('TurnOff' as const, 'TurnOn' as const, 'Cping' as const),
    jobId: jobIdArb,
    cid: cidArb,
  }),
  fc.record({ kind: fc.constant('job' as const), type: fc.constant('Mping' as const), jobId: jobIdArb }),
  fc.record({
    kind: fc.constant('ping-answer' as const),
    gatewayTime: timeArb(false),
    meterTime: timeArb(false),
  }),
);

/** Runs `f`; anything it throws must be a TessError INVALID. */
function onlyInvalid(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (!isTessError(e) || e.code !== ErrorCode.INVALID) throw e;
    return undefined;
  }
}

/** Edits of a text: characters deleted, replaced, inserted, parts repeated. */
const mutate = (textArb: fc.Arbitrary<string>) =>
  fc
    .tuple(
      textArb,
      fc.array(
        fc.tuple(
          fc.constantFrom('delete', 'replace', 'insert', 'repeat'),
          fc.nat(),
          fc.oneof(
            fc.constantFrom(...'()&=#|;,.-0123456789azAZl \n'),
            fc.string({ unit: 'binary', maxLength: 2 }),
          ),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([text, edits]) => {
      let t = text;
      for (const [op, at, ch] of edits) {
        const i = t.length === 0 ? 0 : at % t.length;
        if (op === 'delete') t = t.slice(0, i) + t.slice(i + 1);
        else if (op === 'replace') t = t.slice(0, i) + ch + t.slice(i + 1);
        else if (op === 'insert') t = t.slice(0, i) + ch + t.slice(i);
        else t = t.slice(0, i) + t.slice(i, i + 5) + t.slice(i);
      }
      return t;
    });

describe('meter protocol properties', () => {
  it('every meter message fits one SMS and reads back equal', () => {
    fc.assert(
      fc.property(meterMessageArb, (message) => {
        const text = formatMeterMessage(message);
        expect(text.length).toBeLessThanOrEqual(160);
        expect(parseMeterMessage(text)).toEqual(message);
        expect(parseMeterMessage(`  ${text}\n`)).toEqual(message);
      }),
      { numRuns: 2000 },
    );
  });

  it('every gateway message fits one SMS and reads back equal; formatJob writes the same', () => {
    fc.assert(
      fc.property(gatewayMessageArb, (message) => {
        const text = formatGatewayMessage(message);
        expect(text.length).toBeLessThanOrEqual(160);
        expect(parseGatewayMessage(text)).toEqual(message);
        if (message.kind === 'job') {
          const { kind: _, type, ...fields } = message;
          expect(formatJob(type, fields as never)).toBe(text);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a ping answer echoes the ping’s time and fits one SMS', () => {
    fc.assert(
      fc.property(
        timeArb(false),
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31, 23, 59, 59) }),
        (t, now) => {
          const text = formatGatewayMessage(pingAnswer({ kind: 'gateway-ping', meterTime: t }, now));
          expect(text.length).toBeLessThanOrEqual(160);
          expect(parseGatewayMessage(text)).toEqual({
            kind: 'ping-answer',
            gatewayTime: meterTimeAt(now, 'UTC'),
            meterTime: t,
          });
        },
      ),
    );
  });

  it('a compressed log of any size splits into SMS that together read back as the log', () => {
    fc.assert(
      fc.property(compressedArb(300), (log) => {
        const texts = formatCompressedLogs(log);
        const back = texts.map((t) => {
          expect(t.length).toBeLessThanOrEqual(160);
          return parseMeterMessage(t) as CompressedLog;
        });
        for (const m of back) expect(m.hour).toEqual(log.hour);
        expect(back.flatMap((m) => m.on)).toEqual(log.on);
        expect(back.flatMap((m) => m.off)).toEqual(log.off);
        expect(back.map((m) => m.mainsWh).filter((w) => w !== null)).toEqual(
          log.mainsWh === null ? [] : [log.mainsWh],
        );
        // Greedy: no two neighbouring messages could have been one.
        expect(texts.length).toBeLessThanOrEqual(
          Math.max(1, Math.ceil((log.on.length + log.off.length + 1) / 5)),
        );
      }),
      { numRuns: 300 },
    );
  });

  const anyText = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom(...'()&=#|;,.-+0123456789aeijlmnoprstzAELZ \n') }),
    mutate(meterMessageArb.map(formatMeterMessage)),
    mutate(gatewayMessageArb.map(formatGatewayMessage)),
  );

  it('reading any text gives a message or a TessError INVALID, nothing else', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        onlyInvalid(() => parseMeterMessage(text));
        onlyInvalid(() => parseGatewayMessage(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('whatever is read is frozen, and written and read again gives it back', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const read = onlyInvalid(() => parseMeterMessage(text)) as MeterMessage | undefined;
        if (read === undefined) return;
        expect(Object.isFrozen(read)).toBe(true);
        if (read.kind === 'compressed-log') {
          const back = formatCompressedLogs(read).map((t) => parseMeterMessage(t) as CompressedLog);
          expect(back.flatMap((m) => [...m.on, ...m.off])).toEqual([...read.on, ...read.off]);
        } else {
          expect(parseMeterMessage(formatMeterMessage(read))).toEqual(read);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
