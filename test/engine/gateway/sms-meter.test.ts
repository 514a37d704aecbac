import { describe, expect, it } from 'vitest';
import { ErrorCode, isTessError } from '../../../engine/errors.js';
import {
  type CompressedLog,
  compactCircuitNumber,
  formatCompressedLogs,
  formatGatewayMessage,
  formatJob,
  formatMeterMessage,
  type GatewayPing,
  inflateCompressedLog,
  type MeterMessage,
  meterTime,
  meterTimeAt,
  meterTimeMillis,
  parseGatewayMessage,
  parseMeterMessage,
  pingAnswer,
  resolveCompactCircuit,
} from '../../../engine/gateway/index.js';

/** The INVALID error's message of `f`, which must throw one. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isTessError(e) && e.code === ErrorCode.INVALID).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected an INVALID error');
}

const at = (y: number, mo: number, d: number, h: number, mi = 0, s = 0) => meterTime(y, mo, d, h, mi, s)!;
const CID = '192.168.1.201';

describe('reading what meters send', () => {
  const valid: [string, string, MeterMessage][] = [
    [
      'a primary log',
      '(job=pp&status=1&ts=2024010123&cid=192.168.1.201&tu=3600&wh=10.5&cr=-20.10&ct=CIRCUIT)',
      {
        kind: 'primary-log',
        on: true,
        hour: at(2024, 1, 1, 23),
        cid: CID,
        useSeconds: 3600,
        wh: 10.5,
        credit: -20.1,
        circuitType: 'CIRCUIT',
        meter: null,
      },
    ],
    [
      'a primary log in another order, any case, with the meter name, surrounded by whitespace',
      ' \n(CT=mains&Wh=0&mid=ml01&cid=10.0.0.0&job=PP&tu=12.12&ts=2000010100&status=0)\t',
      {
        kind: 'primary-log',
        on: false,
        hour: at(2000, 1, 1, 0),
        cid: '10.0.0.0',
        useSeconds: 12.12,
        wh: 0,
        credit: null,
        circuitType: 'MAINS',
        meter: 'ml01',
      },
    ],
    [
      'trailing zeros are no precision',
      '(job=pp&status=1&ts=2099123123&cid=255.255.255.255&tu=2678400&wh=10000000.00000&cr=1000000000&ct=CIRCUIT)',
      {
        kind: 'primary-log',
        on: true,
        hour: at(2099, 12, 31, 23),
        cid: '255.255.255.255',
        useSeconds: 2_678_400,
        wh: 1e7,
        credit: 1e9,
        circuitType: 'CIRCUIT',
        meter: null,
      },
    ],
    [
      'a compressed log: mains, circuits on and off, negative credit',
      '(lEAMB8#3F;1,2S0,2X,-YA#2,0,0,7PS)',
      {
        kind: 'compressed-log',
        hour: at(2024, 1, 1, 0),
        mainsWh: 12.3,
        on: [{ circuit: 1, useSeconds: 3600, wh: 10.5, credit: -12.34 }],
        off: [{ circuit: 2, useSeconds: 0, wh: 0, credit: 100 }],
      },
    ],
    [
      'a compressed log with the original | and lower-case digits, nothing off',
      '(leamb8|1,2s0,2x,-ya|)',
      {
        kind: 'compressed-log',
        hour: at(2024, 1, 1, 0),
        mainsWh: null,
        on: [{ circuit: 1, useSeconds: 3600, wh: 10.5, credit: -12.34 }],
        off: [],
      },
    ],
    [
      'a compressed log of 2000, whose hour has fewer than eight digits',
      `(l${(1_0100).toString(36)}##)`,
      { kind: 'compressed-log', hour: at(2000, 1, 1, 0), mainsWh: null, on: [], off: [] },
    ],
    [
      'a meter alert',
      '(job=alert&mid=ml01&cid=192.168.1.202&alert=LCW&cr=12)',
      { kind: 'meter-alert', meter: 'ml01', cid: '192.168.1.202', alert: 'lcw', credit: 12 },
    ],
    [
      'a meter alert without name or credit',
      '(job=alert&alert=online&cid=192.168.1.200)',
      { kind: 'meter-alert', meter: null, cid: '192.168.1.200', alert: 'online', credit: null },
    ],
    ['a meter online', 'demo001 online', { kind: 'meter-online', meter: 'demo001' }],
    [
      'a meter online, name with spaces, any case',
      '  Village Nord 2  ONLINE ',
      { kind: 'meter-online', meter: 'Village Nord 2' },
    ],
    [
      'a job acknowledgement',
      '(job=delete&jobid=90&status=1&cr=475.95)',
      {
        kind: 'job-ack',
        jobId: 90,
        on: true,
        credit: 475.95,
        time: null,
        useSeconds: null,
        wh: null,
        circuitType: null,
      },
    ],
    [
      'a job acknowledgement with the log fields some firmware adds',
      '(job=delete&status=1&tu=2256&ts=20110107192318&wh=9.7&cr=475.95&jobid=90&ct=CIRCUIT)',
      {
        kind: 'job-ack',
        jobId: 90,
        on: true,
        credit: 475.95,
        time: at(2011, 1, 7, 19, 23, 18),
        useSeconds: 2256,
        wh: 9.7,
        circuitType: 'CIRCUIT',
      },
    ],
    [
      'a gateway ping on a leap day',
      '(job=gateway-ping&meter-time=20240229235959)',
      { kind: 'gateway-ping', meterTime: at(2024, 2, 29, 23, 59, 59) },
    ],
  ];
  for (const [name, text, message] of valid) {
    it(name, () => {
      const read = parseMeterMessage(text);
      expect(read).toEqual(message);
      expect(Object.isFrozen(read)).toBe(true);
    });
  }

  const PP = 'job=pp&status=1&ts=2024010123&cid=192.168.1.201&tu=3600&wh=10.5&ct=CIRCUIT';
  const malformed: [string, string, string][] = [
    ['an empty text', '   ', 'message: empty'],
    [
      'plain words',
      'hello there',
      'message: not a meter message: (job=…), (l…) or "<meter name> online": "hello there"',
    ],
    [
      'a message cut short',
      '(job=pp&status=1&ts=20',
      'message: no closing parenthesis (cut short?): "(job=pp&status=1&ts=20"',
    ],
    ['too long a text', 'x'.repeat(1601), 'message: 1601 characters, more than 1600'],
    ['no job', '(status=1)', 'job: missing'],
    [
      'an unknown job',
      '(job=reboot)',
      'job: "reboot" is not a message from a meter (job=pp, job=alert, job=delete, job=gateway-ping)',
    ],
    [
      'a job the gateway sends',
      '(job=cr&jobid=1&cid=192.168.1.201&amt=5)',
      'job: "cr" is not a message from a meter (job=pp, job=alert, job=delete, job=gateway-ping)',
    ],
    [
      'a bare word',
      '(ack&meter-time=20240101000000)',
      '"ack" is not a message from a meter (job=pp, job=alert, job=delete, job=gateway-ping)',
    ],
    ['wh not a number', `(${PP.replace('wh=10.5', 'wh=abc')})`, 'wh: "abc" is not a number'],
    ['wh in exponent form', `(${PP.replace('wh=10.5', 'wh=1e3')})`, 'wh: "1e3" is not a number'],
    ['wh negative', `(${PP.replace('wh=10.5', 'wh=-1')})`, 'wh: -1 is not in 0..10000000'],
    ['wh too large', `(${PP.replace('wh=10.5', 'wh=10000000.1')})`, 'wh: 10000000.1 is not in 0..10000000'],
    ['wh too precise', `(${PP.replace('wh=10.5', 'wh=10.1234')})`, 'wh: "10.1234" has more than 3 decimals'],
    ['tu beyond 31 days', `(${PP.replace('tu=3600', 'tu=2678401')})`, 'tu: 2678401 is not in 0..2678400'],
    ['cr too large', `(${PP}&cr=-1000000001)`, 'cr: -1000000001 is not in -1000000000..1000000000'],
    ['a status of 2', `(${PP.replace('status=1', 'status=2')})`, 'status: "2" is not 1 or 0'],
    [
      '30 February',
      `(${PP.replace('ts=2024010123', 'ts=2024023012')})`,
      'ts: "2024023012" is not a calendar time YYYYMMDDHH',
    ],
    [
      'hour 24',
      `(${PP.replace('ts=2024010123', 'ts=2024010124')})`,
      'ts: "2024010124" is not a calendar time YYYYMMDDHH',
    ],
    [
      'a log stamped to the second',
      `(${PP.replace('ts=2024010123', 'ts=20240101230000')})`,
      'ts: "20240101230000" is not a calendar time YYYYMMDDHH',
    ],
    [
      'a year before 2000',
      `(${PP.replace('ts=2024010123', 'ts=1999123123')})`,
      'ts: "1999123123" is not a calendar time YYYYMMDDHH',
    ],
    [
      'an octet above 255',
      `(${PP.replace(CID, '192.168.1.256')})`,
      'cid: "192.168.1.256" is not a dotted IPv4 address',
    ],
    [
      'a leading zero',
      `(${PP.replace(CID, '192.168.01.201')})`,
      'cid: "192.168.01.201" is not a dotted IPv4 address',
    ],
    ['three octets', `(${PP.replace(CID, '192.168.1')})`, 'cid: "192.168.1" is not a dotted IPv4 address'],
    [
      'an unknown circuit type',
      `(${PP.replace('ct=CIRCUIT', 'ct=PANEL')})`,
      'ct: "PANEL" is not one of CIRCUIT, MAINS',
    ],
    ['a missing field', `(${PP.replace('&wh=10.5', '')})`, 'wh: missing'],
    ['an unknown field', `(${PP}&temp=40)`, 'temp: not a field of job=pp'],
    ['a field twice', `(${PP}&wh=3)`, 'wh: given twice'],
    ['an empty field', `(${PP}&)`, 'empty field (an & at an end or two in a row)'],
    ['a field without =', `(${PP}&wh)`, '"wh" is not a key=value field'],
    [
      'an unknown field of an alert, the name with a space',
      '(job=alert&mid=a b&cid=192.168.1.202&alert=lcw&mid2=x)',
      'mid2: not a field of job=alert',
    ],
    [
      'an unknown alert',
      '(job=alert&cid=192.168.1.202&alert=fire)',
      'alert: "fire" is not one of lcw, nocw, pmax, emax, md, ce, sdc, online',
    ],
    ['a job id of 0', '(job=delete&jobid=0)', 'jobid: 0 is not in 1..9007199254740991'],
    ['a fractional job id', '(job=delete&jobid=1.5)', 'jobid: "1.5" is not a whole number'],
    ['a ping without time', '(job=gateway-ping)', 'meter-time: missing'],
    [
      'a ping in another time shape',
      '(job=gateway-ping&meter-time=2024-01-01-10:00:00)',
      'meter-time: "2024-01-01-10:00:00" is not a calendar time YYYYMMDDHHmmss',
    ],
    [
      'an online without name',
      'online',
      'message: not a meter message: (job=…), (l…) or "<meter name> online": "online"',
    ],
    [
      'an online with a parenthesis',
      'ml(1) online',
      'message: not a meter message: (job=…), (l…) or "<meter name> online": "ml(1) online"',
    ],
    [
      'an online with a name too long',
      `${'m'.repeat(33)} online`,
      `meter name: "${'m'.repeat(33)}" is not a meter name (1 to 32 letters, digits, spaces or . _ - : /)`,
    ],
    [
      'an online with a name outside ASCII',
      'Ségou online',
      'meter name: "Ségou" is not a meter name (1 to 32 letters, digits, spaces or . _ - : /)',
    ],
    [
      'a compressed log without lists',
      '(lEAMB8)',
      'compressed log: expected l<hour>#<circuits on>#<circuits off>',
    ],
    [
      'a compressed log with one list',
      '(lEAMB8#1,0,0,0)',
      'compressed log: expected two lists of circuits after the hour, separated by # (got 1)',
    ],
    [
      'a compressed log mixing separators',
      '(lEAMB8#1,0,0,0|)',
      'compressed log: expected two lists of circuits after the hour, separated by # (got 1)',
    ],
    [
      'a compressed hour of 30 February',
      `(l${(24_023_012).toString(36)}##)`,
      'hour: 24023012 is not a calendar time yymmddHH',
    ],
    ['a compressed hour not in base 36', '(l_X#1,0,0,0#)', 'hour: "_X" is not a base-36 number'],
    [
      'a circuit of three numbers',
      '(lEAMB8#1,0,0#)',
      'circuits on, entry 1: "1,0,0" is not circuit,tu,wh,cr',
    ],
    [
      'a circuit number above 99',
      '(lEAMB8##2S,0,0,0)',
      'circuits off, entry 1: circuit: 100 is not in 0..99',
    ],
    [
      'a compressed wh too large',
      '(lEAMB8#1,0,1NJCHT,0#)',
      'circuits on, entry 1: wh: 100000001 is not in 0..100000000',
    ],
    [
      'a compressed credit too small',
      `(lEAMB8#1,0,0,-${(1e11 + 1).toString(36)}#)`,
      'circuits on, entry 1: cr: -100000000001 is not in -100000000000..100000000000',
    ],
    [
      'too many base-36 digits',
      '(lEAMB8#1,0,0,ZZZZZZZZZZZ#)',
      'circuits on, entry 1: cr: "ZZZZZZZZZZZ" is not a base-36 number',
    ],
    [
      'an empty circuit entry',
      '(lEAMB8#1,0,0,0;;2,0,0,0#)',
      'circuits on, entry 2: empty (a ; at an end or two in a row)',
    ],
    [
      'mains among the circuits off',
      '(lEAMB8##3F)',
      'circuits off, entry 1: the mains (one number) can only be among the circuits on',
    ],
    ['mains twice', '(lEAMB8#3F;3F#)', 'circuits on, entry 2: the mains twice'],
  ];
  for (const [name, text, error] of malformed) {
    it(`refuses ${name}`, () => expect(refusal(() => parseMeterMessage(text))).toBe(error));
  }
});

describe('writing what meters send', () => {
  it('writes each kind in the protocol’s order, the shortest exact numbers', () => {
    expect(
      formatMeterMessage({
        kind: 'primary-log',
        on: true,
        hour: at(2024, 1, 1, 23),
        cid: CID,
        useSeconds: 3600,
        wh: 10.5,
        credit: -20.1,
        circuitType: 'CIRCUIT',
        meter: 'ml01',
      }),
    ).toBe('(job=pp&status=1&ts=2024010123&cid=192.168.1.201&tu=3600&wh=10.5&cr=-20.1&ct=CIRCUIT&mid=ml01)');
    expect(formatMeterMessage({ kind: 'meter-alert', meter: null, cid: CID, alert: 'nocw', credit: 0 })).toBe(
      '(job=alert&cid=192.168.1.201&alert=nocw&cr=0)',
    );
    expect(formatMeterMessage({ kind: 'meter-online', meter: 'demo001' })).toBe('demo001 online');
    expect(
      formatMeterMessage({
        kind: 'job-ack',
        jobId: 90,
        on: false,
        credit: 475.95,
        time: null,
        useSeconds: null,
        wh: null,
        circuitType: null,
      }),
    ).toBe('(job=delete&jobid=90&status=0&cr=475.95)');
    expect(formatMeterMessage({ kind: 'gateway-ping', meterTime: at(2024, 2, 29, 23, 59, 59) })).toBe(
      '(job=gateway-ping&meter-time=20240229235959)',
    );
  });

  const log = (on: number): CompressedLog => ({
    kind: 'compressed-log',
    hour: at(2024, 1, 1, 0),
    mainsWh: 12.3,
    on: Array.from({ length: on }, (_, i) => ({ circuit: i, useSeconds: 2_678_400, wh: 1e7, credit: -1e9 })),
    off: [{ circuit: 99, useSeconds: 0, wh: 0, credit: 100 }],
  });

  it('writes a compressed log that fits one SMS, and refuses one that does not', () => {
    expect(formatMeterMessage(log(1))).toBe('(lEAMB8#3F;0,1LEO0,1NJCHS,-19XTF1TS#2R,0,0,7PS)');
    expect(refusal(() => formatMeterMessage(log(10)))).toMatch(
      /^compressed log \(split it with formatCompressedLogs\): \d+ characters, more than the 160 of one SMS$/,
    );
  });

  it('splits a compressed log into messages that each fit and together give the log back', () => {
    const texts = formatCompressedLogs(log(40));
    expect(texts.length).toBe(7);
    for (const t of texts) expect(t.length).toBeLessThanOrEqual(160);
    const back = texts.map((t) => parseMeterMessage(t) as CompressedLog);
    expect(back.flatMap((m) => m.on)).toEqual(log(40).on);
    expect(back.flatMap((m) => m.off)).toEqual(log(40).off);
    expect(back.map((m) => m.mainsWh)).toEqual([12.3, null, null, null, null, null, null]);
  });

  it('writes an empty compressed log as one message', () => {
    expect(formatCompressedLogs({ ...log(0), mainsWh: null, off: [] })).toEqual(['(lEAMB8##)']);
  });

  const refused: [string, () => unknown, string][] = [
    [
      'a log hour with minutes',
      () =>
        formatMeterMessage({ kind: 'gateway-ping', meterTime: at(2024, 1, 1, 0) }) &&
        formatCompressedLogs({ ...log(1), hour: at(2024, 1, 1, 0, 30) }),
      "hour: a log's time is a whole hour (got minute 30, second 0)",
    ],
    [
      'a compressed wh finer than a tenth',
      () => formatCompressedLogs({ ...log(0), mainsWh: 1.25 }),
      'mains: wh: 1.25 is not a whole number of 1/10',
    ],
    [
      'a compressed credit beyond the bound',
      () => formatCompressedLogs({ ...log(0), off: [{ circuit: 1, useSeconds: 0, wh: 0, credit: 2e9 }] }),
      'circuits off, entry 1: cr: 2000000000 is not in -1000000000..1000000000',
    ],
    [
      'a circuit number above 99',
      () => formatCompressedLogs({ ...log(0), off: [{ circuit: 100, useSeconds: 0, wh: 0, credit: 0 }] }),
      'circuits off, entry 1: circuit: 100 is not in 0..99',
    ],
    [
      'a primary log of NaN watt-hours',
      () =>
        formatMeterMessage({
          kind: 'primary-log',
          on: true,
          hour: at(2024, 1, 1, 23),
          cid: CID,
          useSeconds: 0,
          wh: Number.NaN,
          credit: null,
          circuitType: 'CIRCUIT',
          meter: null,
        }),
      'wh: "NaN" is not a number',
    ],
    [
      'a meter name with parentheses',
      () => formatMeterMessage({ kind: 'meter-online', meter: 'a(b)' }),
      'meter name: "a(b)" is not a meter name (1 to 32 letters, digits, spaces or . _ - : /)',
    ],
  ];
  for (const [name, f, error] of refused) it(`refuses ${name}`, () => expect(refusal(f)).toBe(error));
});

describe('what the gateway sends', () => {
  const jobs: [string, string][] = [
    [
      formatJob('AddCredit', { jobId: 12, cid: CID, amount: 500 }),
      '(job=cr&jobid=12&cid=192.168.1.201&amt=500)',
    ],
    [
      formatJob('AddCredit', { jobId: 13, cid: CID, amount: 0.000001 }),
      '(job=cr&jobid=13&cid=192.168.1.201&amt=0.000001)',
    ],
    [formatJob('TurnOff', { jobId: 14, cid: CID }), '(job=coff&jobid=14&cid=192.168.1.201)'],
    [formatJob('TurnOn', { jobId: 15, cid: CID }), '(job=con&jobid=15&cid=192.168.1.201)'],
    [formatJob('Mping', { jobId: 16 }), '(job=mping&jobid=16)'],
    [formatJob('Cping', { jobId: 17, cid: CID }), '(job=cping&jobid=17&cid=192.168.1.201)'],
  ];
  for (const [written, expected] of jobs) {
    it(`writes ${expected}, which reads back`, () => {
      expect(written).toBe(expected);
      expect(formatGatewayMessage(parseGatewayMessage(written))).toBe(expected);
    });
  }

  it('reads a job as its type and fields', () => {
    expect(parseGatewayMessage(' (job=cr&amt=2.5&cid=192.168.1.201&jobid=12) ')).toEqual({
      kind: 'job',
      type: 'AddCredit',
      jobId: 12,
      cid: CID,
      amount: 2.5,
    });
    expect(parseGatewayMessage('(job=mping&jobid=16)')).toEqual({ kind: 'job', type: 'Mping', jobId: 16 });
  });

  it('answers a ping with its clock in UTC and the ping’s own time', () => {
    const ping = parseMeterMessage('(job=gateway-ping&meter-time=20240229235959)') as GatewayPing;
    const answer = pingAnswer(ping, Date.UTC(2024, 2, 1, 0, 0, 1));
    expect(formatGatewayMessage(answer)).toBe('(ack&gateway-time=20240301000001&meter-time=20240229235959)');
    expect(parseGatewayMessage(formatGatewayMessage(answer))).toEqual(answer);
  });

  const refused: [string, () => unknown, string][] = [
    [
      'a credit of 0',
      () => formatJob('AddCredit', { jobId: 1, cid: CID, amount: 0 }),
      'amt: 0 is not in 0.000001..1000000000',
    ],
    [
      'a negative credit',
      () => formatJob('AddCredit', { jobId: 1, cid: CID, amount: -5 }),
      'amt: -5 is not in 0.000001..1000000000',
    ],
    [
      'a credit finer than a micro-unit',
      () => formatJob('AddCredit', { jobId: 1, cid: CID, amount: 1.0000001 }),
      'amt: "1.0000001" has more than 6 decimals',
    ],
    [
      'a job id of 0',
      () => formatJob('TurnOff', { jobId: 0, cid: CID }),
      'jobid: 0 is not in 1..9007199254740991',
    ],
    ['a fractional job id', () => formatJob('Mping', { jobId: 1.5 }), 'jobid: "1.5" is not a whole number'],
    [
      'an IPv6 circuit address',
      () => formatJob('TurnOn', { jobId: 1, cid: '::1' }),
      'cid: "::1" is not a dotted IPv4 address',
    ],
    [
      'reading a meter message as the gateway’s',
      () => parseGatewayMessage('(job=pp&status=1)'),
      'job: "pp" is not a message from the gateway (job=cr, job=coff, job=con, job=mping, job=cping, ack)',
    ],
    [
      'reading plain words as the gateway’s',
      () => parseGatewayMessage('demo online'),
      'message: not a gateway message: (job=…) or (ack&…): "demo online"',
    ],
    ['ack with a job', () => parseGatewayMessage('(ack&job=cr)'), '"ack" and job= both name the message'],
  ];
  for (const [name, f, error] of refused) it(`refuses ${name}`, () => expect(refusal(f)).toBe(error));
});

describe('compressed circuits and meter clocks', () => {
  it('numbers a circuit by its last octet modulo 100', () => {
    expect(
      ['192.168.1.201', '192.168.1.57', '192.168.1.5', '10.0.0.0', '10.0.0.255'].map(compactCircuitNumber),
    ).toEqual([1, 57, 5, 0, 55]);
  });

  it('finds a compressed circuit among its meter’s, and refuses none or several', () => {
    expect(resolveCompactCircuit(1, ['192.168.1.200', '192.168.1.201', 'fe80::1', ''])).toBe('192.168.1.201');
    expect(refusal(() => compactCircuitNumber('192.168.1.'))).toBe(
      'cid: "192.168.1." is not a dotted IPv4 address',
    );
    expect(refusal(() => resolveCompactCircuit(3, ['192.168.1.201']))).toBe(
      'circuit 3: no circuit of the meter ends in it',
    );
    expect(refusal(() => resolveCompactCircuit(1, ['192.168.1.101', '192.168.1.201']))).toBe(
      'circuit 1: several circuits of the meter end in it (192.168.1.101, 192.168.1.201); their logs cannot be compressed',
    );
  });

  it('inflates a compressed log into the primary logs of its circuits', () => {
    const log = parseMeterMessage('(lEAMB8#3F;1,2S0,2X,-YA#2,0,0,7PS)') as CompressedLog;
    const logs = inflateCompressedLog(log, ['192.168.1.201', '192.168.1.202']);
    expect(logs).toEqual([
      {
        kind: 'primary-log',
        on: true,
        hour: log.hour,
        cid: '192.168.1.201',
        useSeconds: 3600,
        wh: 10.5,
        credit: -12.34,
        circuitType: 'CIRCUIT',
        meter: null,
      },
      {
        kind: 'primary-log',
        on: false,
        hour: log.hour,
        cid: '192.168.1.202',
        useSeconds: 0,
        wh: 0,
        credit: 100,
        circuitType: 'CIRCUIT',
        meter: null,
      },
    ]);
    // What the compressed log says of each circuit, the primary log it inflates to says in full.
    for (const l of logs) expect(parseMeterMessage(formatMeterMessage(l))).toEqual(l);
  });

  it('reads a meter clock in its zone, a skipped local hour moving forward', () => {
    expect(meterTimeMillis(at(2024, 1, 1, 12), 'Africa/Bamako')).toBe(Date.UTC(2024, 0, 1, 12));
    expect(meterTimeMillis(at(2024, 1, 1, 12), 'Africa/Nairobi')).toBe(Date.UTC(2024, 0, 1, 9));
    expect(meterTimeMillis(at(2024, 3, 10, 2, 30), 'America/New_York')).toBe(Date.UTC(2024, 2, 10, 7, 30));
    expect(meterTimeAt(Date.UTC(2024, 0, 1, 9, 5, 7), 'Africa/Nairobi')).toEqual(at(2024, 1, 1, 12, 5, 7));
    expect(refusal(() => meterTimeAt(Date.UTC(2100, 0, 1), 'UTC'))).toBe(
      `time ${Date.UTC(2100, 0, 1)} is outside the years 2000–2099 a meter keeps`,
    );
    expect(refusal(() => meterTimeMillis(at(2024, 1, 1, 12), 'Mars/Olympus'))).toMatch(
      /^zone must be an IANA time zone/,
    );
  });
});
