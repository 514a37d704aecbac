import { describe, expect, it } from 'vitest';
import { type Relay, SmsMeter } from '../../cli/demo/sms-meter.js';
import {
  type CompressedLog,
  inflateCompressedLog,
  meterTimeMillis,
  parseMeterMessage,
} from '../../engine/gateway/index.js';
import { CID, METER, useSmsGateway } from '../api/gateway-sms-fixture.js';

const HOUR = 3_600_000;
const t = useSmsGateway({ name: 'simulated-meter', provider: { dedupe: true } });

/** A meter of `n` circuits at 192.168.1.100 + i, every text it sends kept. */
function meterOf(n: number, zone = 'UTC') {
  const relays = new Map<string, Relay>();
  for (let i = 0; i < n; i++) relays.set(`192.168.1.${100 + i}`, { cid: `192.168.1.${100 + i}`, on: true });
  const sent: string[] = [];
  const jobs: string[] = [];
  const meter = new SmsMeter({
    zone,
    relays,
    send: async (text) => {
      sent.push(text);
      return true;
    },
    onJob: (job) => jobs.push(job.type),
  });
  return { meter, relays, sent, jobs };
}

describe("the demo village's meter over SMS", () => {
  it("texts each hour's compressed log once the hour ends, split to fit 160 characters, with what each circuit drew", async () => {
    const { meter, relays, sent } = meterOf(100);
    const hour = Date.UTC(2026, 11, 5, 10);
    // 100 circuits drawing 10 W + i W over 10:30–11:30: half an hour in each hour.
    for (const [i, cid] of [...relays.keys()].entries())
      meter.measure(cid, hour + HOUR / 2, hour + 1.5 * HOUR, 10 + i);
    relays.get('192.168.1.105')!.on = false;
    expect(await meter.sendLogs(hour + HOUR - 1)).toBe(0);
    expect(await meter.sendLogs(hour + HOUR)).toBe(1);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((s) => s.length <= 160)).toBe(true);
    const cids = [...relays.keys()];
    const logs = sent.flatMap((s) => inflateCompressedLog(parseMeterMessage(s) as CompressedLog, cids));
    expect(logs).toHaveLength(100);
    for (const [i, cid] of cids.entries()) {
      const log = logs.find((l) => l.cid === cid)!;
      expect(meterTimeMillis(log.hour, 'UTC')).toBe(hour);
      expect(log.wh).toBeCloseTo((10 + i) / 2, 1);
      expect(log.useSeconds).toBe(1800);
      expect(log.on).toBe(cid !== '192.168.1.105');
    }
    // The hour is sent once; the next one when it ends.
    sent.length = 0;
    expect(await meter.sendLogs(hour + HOUR + 1)).toBe(0);
    expect(await meter.sendLogs(hour + 2 * HOUR)).toBe(1);
    expect(sent.length).toBeGreaterThan(0);
  });

  it('logs hours of its own clock, in its zone', async () => {
    // Kolkata is 5 h 30 ahead of UTC: its hours begin at half past the UTC hour.
    const { meter, sent } = meterOf(1, 'Asia/Kolkata');
    const from = Date.UTC(2026, 11, 5, 4, 30);
    meter.measure('192.168.1.100', from, from + HOUR, 100);
    await meter.sendLogs(from + HOUR);
    const [log] = inflateCompressedLog(parseMeterMessage(sent[0]!) as CompressedLog, ['192.168.1.100']);
    expect(log!.hour).toMatchObject({ hour: 10, minute: 0 });
    expect(log!.wh).toBe(100);
  });

  it('carries out the jobs TESS texts it and acknowledges each with the relay after it', async () => {
    const { meter, relays, sent, jobs } = meterOf(2);
    await meter.receive('(job=coff&jobid=41&cid=192.168.1.101)');
    expect(relays.get('192.168.1.101')!.on).toBe(false);
    expect(parseMeterMessage(sent.at(-1)!)).toMatchObject({ kind: 'job-ack', jobId: 41, on: false });
    await meter.receive('(job=con&jobid=42&cid=192.168.1.101)');
    expect(relays.get('192.168.1.101')!.on).toBe(true);
    expect(parseMeterMessage(sent.at(-1)!)).toMatchObject({ kind: 'job-ack', jobId: 42, on: true });
    await meter.receive('(job=mping&jobid=43)');
    expect(parseMeterMessage(sent.at(-1)!)).toMatchObject({ kind: 'job-ack', jobId: 43, on: null });
    expect(jobs).toEqual(['TurnOff', 'TurnOn', 'Mping']);
    // A text that is no job (a stranger's) is not answered.
    await meter.receive('hello meter');
    expect(sent).toHaveLength(3);
  });

  it("is read by the gateway: its hourly log stored through the webhook, each circuit's energy once", async () => {
    const relays = new Map<string, Relay>([[CID, { cid: CID, on: true }]]);
    const meter = new SmsMeter({
      zone: t.g.meter.time_zone ?? 'UTC',
      relays,
      send: async (text) => (await t.text(METER, text)).state === 'handled',
    });
    const hour = Date.UTC(2026, 11, 4, 8);
    meter.measure(CID, hour, hour + HOUR / 4, 400);
    meter.measure(CID, hour + HOUR / 4, hour + HOUR, 200);
    expect(await meter.sendLogs(hour + HOUR)).toBe(1);
    const { rows } = await t.api.db.sql.query(
      'SELECT period_start, period_end, watthours FROM gateway.primary_log WHERE circuit_id = $1',
      [t.g.circuit.circuit_id],
    );
    expect(rows).toEqual([
      { period_start: new Date(hour), period_end: new Date(hour + HOUR), watthours: 250 },
    ]);
  });
});
