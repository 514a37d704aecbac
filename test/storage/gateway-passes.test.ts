import { describe, expect, it } from 'vitest';
import { PERSON_JOB_PREFIX } from '../../engine/gateway/index.js';
import { acknowledgeJob, issueTokenBatch, pullJobs, redeemToken } from '../../storage/index.js';
import { runAlertPass, runJobPass } from '../../storage/index.js';
import { waitFor } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const KEY = 'k'.repeat(32);
const MIN = 60_000;
const HOUR = 60 * MIN;

let n = 0;
/** A fresh system with one circuit of `pin`, its customer topped up with `credit`. */
async function village(
  options: { credit?: number; powerMax?: number; energyMax?: number; timeZone?: string } = {},
) {
  const sys = await t.db.system.add({ name: `v${++n}` });
  const system_id = sys.system_id;
  const operator = await t.db.user.add({ system_id, name: 'op', email: 'op@v', role: 'OPERATOR' });
  const customer = await t.db.user.add({ system_id, name: 'Awa', email: 'awa@v' });
  const meterDevice = await t.db.device.add({ user_id: operator.user_id, name: 'meter' });
  const circuitDevice = await t.db.device.add({ user_id: customer.user_id, name: 'circuit' });
  const meter = await t.db.field_meter.add({
    system_id,
    device_id: meterDevice.device_id,
    name: 'm',
    time_zone: options.timeZone ?? 'UTC',
  });
  const circuit = await t.db.circuit.add({
    system_id,
    device_id: circuitDevice.device_id,
    field_meter_id: meter.field_meter_id,
    pin: '234567',
    ...(options.powerMax ? { power_max: options.powerMax } : {}),
    ...(options.energyMax ? { energy_max: options.energyMax } : {}),
  });
  if (options.credit) await topUp(system_id, options.credit);
  return { system_id, circuit };
}
async function topUp(system_id: number, value: number) {
  const { tokens } = await issueTokenBatch(t.db, system_id, [{ denomination: value, count: 1 }], KEY);
  await redeemToken(t.db, system_id, '234567', tokens[0]!.number, KEY);
}
/** A log of `minutes` ending now (the database stamps `created`: passes are asked at a later `now`). */
const log = (circuit_id: number, start: Date, minutes: number, watthours: number, power_peak?: number) =>
  t.db.primary_log.add({
    circuit_id,
    period_start: start,
    period_end: new Date(start.getTime() + minutes * MIN),
    watthours,
    ...(power_peak === undefined ? {} : { power_peak }),
  });
const alerts = async (system_id: number) =>
  (
    await t.db.sql.query(
      `SELECT DISTINCT ON (unique_id) type, ended IS NOT NULL AS ended, status FROM gateway.alert
       WHERE system_id = $1 ORDER BY unique_id, created DESC`,
      [system_id],
    )
  ).rows.sort((a, b) => a.type.localeCompare(b.type));
const jobs = async (system_id: number) =>
  (
    await t.db.sql.query(
      `SELECT DISTINCT ON (j.unique_id) j.type, j.state, j.unique_id FROM gateway.job j
       JOIN gateway.circuit c ON c.circuit_id = j.circuit_id WHERE c.system_id = $1
       ORDER BY j.unique_id, j.created DESC`,
      [system_id],
    )
  ).rows.map((r) => `${r.type}:${r.state}`);
const soon = () => new Date(Date.now() + MIN);

describe('the alert pass', () => {
  it('raises LowCredit and NoCredit once, turns the circuit off, and on again when credit returns', async () => {
    const v = await village();
    await log(v.circuit.circuit_id, new Date(Date.now() - 10 * MIN), 5, 10);
    const first = await runAlertPass(t.db, v.system_id, soon());
    expect(first).toMatchObject({
      circuits: 1,
      raised: { LowCredit: 1, NoCredit: 1 },
      turnOff: 1,
      turnOn: 0,
    });
    // The same question again (a redelivered job, or the next interval): nothing new.
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ raised: {}, ended: 0, turnOff: 0 });
    await topUp(v.system_id, 5);
    const back = await runAlertPass(t.db, v.system_id, soon());
    expect(back).toMatchObject({ raised: {}, ended: 1, turnOn: 1 });
    expect(await alerts(v.system_id)).toEqual([
      { type: 'LowCredit', ended: false, status: 'open' },
      { type: 'NoCredit', ended: true, status: 'open' },
    ]);
    expect((await jobs(v.system_id)).sort()).toEqual(['TurnOff:pending', 'TurnOn:pending']);
    await topUp(v.system_id, 50);
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ ended: 1 });
    expect((await alerts(v.system_id)).every((a) => a.ended)).toBe(true);
  });

  it('leaves a circuit its customer switched off alone, and undoes only its own cuts', async () => {
    const v = await village({ credit: 50 });
    await log(v.circuit.circuit_id, new Date(Date.now() - 10 * MIN), 5, 10);
    // The customer texted `off` (a person's job) and the meter carried it out.
    const off = await t.db.job.add({
      unique_id: `${PERSON_JOB_PREFIX}a-message`,
      circuit_id: v.circuit.circuit_id,
      type: 'TurnOff',
    });
    await pullJobs(t.db, v.circuit.field_meter_id, new Date());
    await acknowledgeJob(t.db, v.circuit.field_meter_id, off.unique_id, { status: 'off' });
    // With credit and no limit crossed, the pass still sends no TurnOn.
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ turnOff: 0, turnOn: 0 });
    // Their `on` is theirs too: the circuit is on as commanded, and nothing is sent.
    await t.db.job.add({
      unique_id: `${PERSON_JOB_PREFIX}another-message`,
      circuit_id: v.circuit.circuit_id,
      type: 'TurnOn',
    });
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ turnOff: 0, turnOn: 0 });
    expect((await jobs(v.system_id)).sort()).toEqual(['TurnOff:acknowledged', 'TurnOn:pending']);
  });

  it("keeps a customer's `off` sent while cut for no credit: a top-up does not switch it on", async () => {
    const v = await village();
    await log(v.circuit.circuit_id, new Date(Date.now() - 10 * MIN), 5, 10);
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ turnOff: 1 });
    await t.db.job.add({
      unique_id: `${PERSON_JOB_PREFIX}off-while-cut`,
      circuit_id: v.circuit.circuit_id,
      type: 'TurnOff',
    });
    await topUp(v.system_id, 5);
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ ended: 1, turnOn: 0 });
  });

  it('trips on power over the limit and stays off until an operator resolves the alert', async () => {
    const v = await village({ credit: 100, powerMax: 500 });
    await log(v.circuit.circuit_id, new Date(Date.now() - 10 * MIN), 5, 50, 900);
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({
      raised: { PowerMax: 1 },
      turnOff: 1,
    });
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ raised: {}, turnOn: 0 });
    const { rows } = await t.db.sql.query(
      "SELECT unique_id FROM gateway.alert WHERE type = 'PowerMax' AND system_id = $1",
      [v.system_id],
    );
    await t.db.alert.set({
      unique_id: rows[0].unique_id,
      status: 'resolved',
      resolution: 'loose wire fixed',
    });
    // The log that tripped it does not trip it again.
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ raised: {}, ended: 1, turnOn: 1 });
  });

  it('stops a circuit over its energy for the local day, and turns it on the next local day', async () => {
    const v = await village({ credit: 100, energyMax: 1000, timeZone: 'Africa/Kampala' });
    const now = Date.now();
    await log(v.circuit.circuit_id, new Date(now - 20 * MIN), 10, 600);
    await log(v.circuit.circuit_id, new Date(now - 10 * MIN), 10, 600);
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({
      raised: { EnergyMax: 1 },
      turnOff: 1,
    });
    // A day later (and no log since) the day's energy is zero: on again, and silent too long.
    const tomorrow = new Date(now + 25 * HOUR);
    expect(await runAlertPass(t.db, v.system_id, tomorrow)).toMatchObject({
      raised: { UnresponsiveCircuit: 1 },
      ended: 1,
      turnOn: 1,
    });
  });

  it('raises UnresponsiveCircuit after the silence, and PowerOn at the first log afterwards', async () => {
    const v = await village({ credit: 100 });
    // A silence of one second, so that the episode can begin before a log the database stamps later.
    await t.db.config.add({ system_id: v.system_id, name: 'unresponsive-after', value: '1' });
    const first = await log(v.circuit.circuit_id, new Date(Date.now() - 10 * MIN), 5, 1);
    expect(await runAlertPass(t.db, v.system_id, new Date(first.created.getTime() + 500))).toMatchObject({
      raised: {},
    });
    const silent = new Date(first.created.getTime() + 1_500);
    await waitFor(
      'the database clock to pass the silence',
      async () => (await t.db.sql.query('SELECT clock_timestamp() > $1 AS past', [silent])).rows[0].past,
    );
    expect(await runAlertPass(t.db, v.system_id, silent)).toMatchObject({
      raised: { UnresponsiveCircuit: 1 },
    });
    expect(await runAlertPass(t.db, v.system_id, silent)).toMatchObject({ raised: {} });
    const second = await log(v.circuit.circuit_id, new Date(Date.now() - 4 * MIN), 2, 1);
    expect(await runAlertPass(t.db, v.system_id, new Date(second.created.getTime() + 1))).toMatchObject({
      raised: { PowerOn: 1 },
      ended: 1,
    });
    expect(await alerts(v.system_id)).toEqual([
      { type: 'PowerOn', ended: true, status: 'open' },
      { type: 'UnresponsiveCircuit', ended: true, status: 'open' },
    ]);
  });

  it('refuses unreadable config by name', async () => {
    const v = await village({ credit: 1 });
    await t.db.config.add({ system_id: v.system_id, name: 'low-credit', value: 'lots' });
    await expect(runAlertPass(t.db, v.system_id, soon())).rejects.toThrow(
      'low-credit must be a number from 0 to 1000000000 (got "lots")',
    );
  });
});

describe('the job pass', () => {
  it('sends an unacknowledged job again with a doubling wait, then fails it with UnresponsiveJob', async () => {
    const v = await village();
    await runAlertPass(t.db, v.system_id, soon());
    const [pending] = (
      await t.db.sql.query("SELECT unique_id FROM gateway.job WHERE type = 'TurnOff' AND circuit_id = $1", [
        v.circuit.circuit_id,
      ])
    ).rows;
    const sentAt = Date.now();
    const send = (sends: number) =>
      t.db.job.set({ unique_id: pending.unique_id, state: 'sent', sends, sent_at: new Date(sentAt) });
    await send(1);
    expect(await runJobPass(t.db, v.system_id, new Date(sentAt + 14 * MIN))).toEqual({
      resent: 0,
      failed: 0,
    });
    expect(await runJobPass(t.db, v.system_id, new Date(sentAt + 16 * MIN))).toEqual({
      resent: 1,
      failed: 0,
    });
    await send(2);
    expect(await runJobPass(t.db, v.system_id, new Date(sentAt + 29 * MIN))).toEqual({
      resent: 0,
      failed: 0,
    });
    expect(await runJobPass(t.db, v.system_id, new Date(sentAt + 31 * MIN))).toEqual({
      resent: 1,
      failed: 0,
    });
    await send(4);
    expect(await runJobPass(t.db, v.system_id, new Date(sentAt + 121 * MIN))).toEqual({
      resent: 0,
      failed: 1,
    });
    expect(await runJobPass(t.db, v.system_id, new Date(sentAt + 122 * MIN))).toEqual({
      resent: 0,
      failed: 0,
    });
    expect((await alerts(v.system_id)).map((a) => a.type)).toContain('UnresponsiveJob');
    // A failed TurnOff is not a commanded position: the alert pass asks for it again.
    expect(await runAlertPass(t.db, v.system_id, soon())).toMatchObject({ turnOff: 1 });
  });
});

describe("a meter's jobs", () => {
  it('are pulled once (pending → sent), acknowledged idempotently, and only by their meter', async () => {
    const v = await village();
    await runAlertPass(t.db, v.system_id, soon());
    const meter = v.circuit.field_meter_id;
    const now = new Date();
    const pulled = await pullJobs(t.db, meter, now);
    expect(pulled.map((j) => [j.type, j.state, j.sends])).toEqual([['TurnOff', 'sent', 1]]);
    expect(pulled[0]!.sent_at).toEqual(now);
    // Two pulls at once: the job is handed out by one of them only.
    const again = await Promise.all([pullJobs(t.db, meter, now), pullJobs(t.db, meter, now)]);
    expect(again.flat()).toEqual([]);
    const acked = await acknowledgeJob(t.db, meter, pulled[0]!.unique_id, { status: 'off' });
    expect(acked).toMatchObject({ state: 'acknowledged', reported: 'off' });
    const twice = await acknowledgeJob(t.db, meter, pulled[0]!.unique_id, { status: 'off again' });
    expect(twice).toMatchObject({ state: 'acknowledged', reported: 'off', job_id: acked.job_id });
    const other = await village();
    await expect(
      acknowledgeJob(t.db, other.circuit.field_meter_id, pulled[0]!.unique_id, { status: 'x' }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('a job resent after a timeout is pulled again with its send counted', async () => {
    const v = await village();
    await runAlertPass(t.db, v.system_id, soon());
    const sentAt = new Date();
    const [job] = await pullJobs(t.db, v.circuit.field_meter_id, sentAt);
    await expect(
      acknowledgeJob(t.db, v.circuit.field_meter_id, 'no-such-job', { status: 'x' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await runJobPass(t.db, v.system_id, new Date(sentAt.getTime() + 16 * MIN))).toEqual({
      resent: 1,
      failed: 0,
    });
    const [resent] = await pullJobs(t.db, v.circuit.field_meter_id, new Date(sentAt.getTime() + 17 * MIN));
    expect([resent!.unique_id, resent!.sends]).toEqual([job!.unique_id, 2]);
  });
});
