import { describe, expect, it } from 'vitest';
import { changeAlert, runAlertPass } from '../../storage/index.js';
import { issueToken } from '../../storage/tokens.js';
import { useGateway } from './gateway-fixture.js';
import { call, databaseClockPast } from './helpers.js';

const t = useGateway();
const api = t.api;
const BASE = '/api/v1/gateway';

const get = (url: string, token = t.p.tokens.operator) => call(api.app, 'GET', `${BASE}${url}`, { token });
const put = (id: number, body: unknown, token = t.p.tokens.operator) =>
  call(api.app, 'PUT', `${BASE}/alerts/${id}`, { token, body });
const pull = (id = t.g.meter.field_meter_id, token = t.g.tokens.meter) =>
  call(api.app, 'GET', `${BASE}/meters/${id}/jobs`, { token });
const ack = (id: number, body: unknown, token = t.g.tokens.meter) =>
  call(api.app, 'POST', `${BASE}/jobs/${id}/ack`, { token, body });
const versions = async (uniqueId: string) =>
  Number(
    (await api.db.sql.query('SELECT count(*) AS n FROM gateway.alert WHERE unique_id = $1', [uniqueId]))
      .rows[0].n,
  );

/** Both customers of the fixture have no credit: one pass raises LowCredit and NoCredit for each, and TurnOffs. */
let passed = false;
async function raised(): Promise<void> {
  if (passed) return;
  passed = true;
  const outcome = await runAlertPass(api.db, await api.db.systemId(), new Date(Date.now() + 1000));
  expect(outcome.raised).toMatchObject({ NoCredit: 2, LowCredit: 2 });
  expect(outcome.turnOff).toBe(2);
}

describe('the alerts desk over HTTP', () => {
  it('lists the system’s alerts, filtered by status, type and circuit PIN', async () => {
    await raised();
    const all = await get('/alerts');
    expect(all.statusCode).toBe(200);
    expect(all.data.items.map((a: { type: string }) => a.type).sort()).toEqual([
      'LowCredit',
      'LowCredit',
      'NoCredit',
      'NoCredit',
    ]);
    const mine = await get('/alerts?type=NoCredit&circuit=234567&status=open');
    expect(mine.data.items).toHaveLength(1);
    expect(mine.data.items[0]).toMatchObject({
      type: 'NoCredit',
      circuit_id: t.g.circuit.circuit_id,
      status: 'open',
      assignee: null,
    });
    expect((await get('/alerts?status=resolved')).data.items).toEqual([]);
    const paged = await get('/alerts?limit=3');
    expect(paged.data.items).toHaveLength(3);
    const rest = await get(`/alerts?limit=3&after=${paged.data.next}`);
    expect(rest.data.items).toHaveLength(1);
    expect(rest.data.next).toBeNull();
  });

  it('refuses bad filters naming them, and an unknown circuit is not found', async () => {
    for (const [query, status, message] of [
      ['status=closed', 400, /status/],
      ['type=Fire', 400, /type/],
      ['circuit=999999', 400, /query\.circuit must be six distinct characters/],
      ['circuit=345678', 404, /circuit 345678 not found/],
      ['limit=0', 400, /limit/],
      ['color=red', 400, /color/],
    ] as const) {
      const res = await get(`/alerts?${query}`);
      expect(res.statusCode, query).toBe(status);
      expect(res.data.error.message, query).toMatch(message);
    }
  });

  it('operators and administrators write, accounting reads, customers and devices may not', async () => {
    await raised();
    const [alert] = (await get('/alerts?type=LowCredit&circuit=765432')).data.items;
    expect((await get('/alerts', t.p.tokens.accounting)).statusCode).toBe(200);
    expect((await put(alert.alert_id, { assignee: 'x' }, t.p.tokens.accounting)).statusCode).toBe(403);
    expect((await get('/alerts', t.p.tokens.customer)).statusCode).toBe(403);
    expect((await get('/alerts', t.g.tokens.meter)).statusCode).toBe(403);
    expect((await get('/jobs', t.p.tokens.customer)).statusCode).toBe(403);
    expect((await put(alert.alert_id, { assignee: 'x' }, t.p.tokens.customer)).statusCode).toBe(403);
  });

  it('assigns and resolves as new versions, read back as of any time; a resolved alert is final', async () => {
    await raised();
    const [alert] = (await get('/alerts?type=NoCredit&circuit=234567')).data.items;
    const before = new Date();
    await databaseClockPast(api.db, before);
    const assigned = await put(alert.alert_id, { assignee: 'Awa (field technician)' });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.data).toMatchObject({ status: 'pending', assignee: 'Awa (field technician)' });
    expect(assigned.data.alert_id).not.toBe(alert.alert_id);
    // Any version's id names the alert.
    const resolved = await put(alert.alert_id, { resolution: 'customer topped up at the shop' });
    expect(resolved.data).toMatchObject({
      status: 'resolved',
      assignee: 'Awa (field technician)',
      resolution: 'customer topped up at the shop',
      unique_id: alert.unique_id,
    });
    // The same answer again is no new row (a retried PUT), another one is refused.
    const again = await put(assigned.data.alert_id, { resolution: 'customer topped up at the shop' });
    expect(again.statusCode).toBe(200);
    expect(again.data.alert_id).toBe(resolved.data.alert_id);
    expect(await versions(alert.unique_id)).toBe(3);
    const reopened = await put(alert.alert_id, { status: 'open' });
    expect(reopened.statusCode).toBe(409);
    expect(reopened.data.error).toMatchObject({
      code: 'WRONG_STATE',
      message: expect.stringMatching(/final/),
    });
    // As of before the desk touched it, it was open; now it is resolved.
    const then = await get(`/alerts?circuit=234567&type=NoCredit&asof=${before.toISOString()}`);
    expect(then.data.items[0]).toMatchObject({ status: 'open', alert_id: alert.alert_id });
    expect((await get(`/alerts/${alert.alert_id}`)).data.status).toBe('open');
    expect(
      (await get('/alerts?status=resolved')).data.items.map((a: { unique_id: string }) => a.unique_id),
    ).toEqual([alert.unique_id]);
  });

  it('of ten operators resolving one alert at once, one writes the resolution', async () => {
    await raised();
    const [alert] = (await get('/alerts?type=LowCredit&circuit=234567')).data.items;
    // Through storage, so the ten overlap (over HTTP each spends most of its time before it).
    const systemId = await api.db.systemId();
    // Ten connections open first: otherwise the first change ends while the others connect.
    await Promise.all(
      Array.from({ length: 10 }, () => api.db.withTransaction((_tx, c) => c.query('SELECT pg_sleep(0.05)'))),
    );
    const answers = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        changeAlert(api.db, systemId, alert.alert_id, { assignee: `op${i}`, resolution: `done by ${i}` }),
      ),
    );
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const refused = answers.flatMap((a) => (a.status === 'rejected' ? [a.reason.code] : []));
    expect(refused).toEqual(Array(9).fill('WRONG_STATE'));
    expect(await versions(alert.unique_id)).toBe(2);
  });

  it('refuses bad changes naming the field, and another system’s alert is not found', async () => {
    await raised();
    const [alert] = (await get('/alerts?type=LowCredit&circuit=765432')).data.items;
    for (const [body, status, message] of [
      [{}, 400, /at least one of/],
      [{ status: 'pending' }, 400, /body\.assignee/],
      [{ status: 'resolved' }, 400, /body\.resolution/],
      [{ status: 'closed' }, 400, /status/],
      [{ assignee: 'x'.repeat(201) }, 400, /assignee/],
      [{ assignee: 'a', extra: 1 }, 400, /extra/],
      [{ assignee: 7 }, 400, /assignee/],
    ] as const) {
      const res = await put(alert.alert_id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.data.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(await versions(alert.unique_id)).toBe(1);
    const elsewhere = await api.db.system.add({ name: 'elsewhere' });
    const foreign = await api.db.alert.add({
      unique_id: 'foreign-alert',
      system_id: elsewhere.system_id,
      type: 'TokenFailures',
      began: new Date(),
    });
    expect((await put(foreign.alert_id, { assignee: 'x' })).statusCode).toBe(404);
    expect((await get(`/alerts/${foreign.alert_id}`)).statusCode).toBe(404);
    expect((await put(99_999_999, { assignee: 'x' })).statusCode).toBe(404);
    expect((await put(alert.alert_id, { assignee: 'x' })).statusCode).toBe(200);
  });
});

describe('control jobs over HTTP', () => {
  it('operators list the system’s jobs with their circuit’s PIN, by circuit and state', async () => {
    await raised();
    const jobs = await get('/jobs');
    expect(jobs.statusCode).toBe(200);
    expect(jobs.data.items.map((j: { pin: string; type: string }) => [j.pin, j.type]).sort()).toEqual([
      ['234567', 'TurnOff'],
      ['765432', 'TurnOff'],
    ]);
    expect((await get('/jobs?circuit=234567', t.p.tokens.accounting)).data.items).toHaveLength(1);
    expect((await get('/jobs?state=acknowledged')).data.items).toEqual([]);
    expect((await get('/jobs?state=lost')).statusCode).toBe(400);
  });

  it('a field meter pulls its pending jobs once and acknowledges them, idempotently', async () => {
    await raised();
    const before = new Date();
    await databaseClockPast(api.db, before);
    const pulled = await pull();
    expect(pulled.statusCode).toBe(200);
    expect(pulled.headers['cache-control']).toBe('no-store');
    expect(pulled.data.items.map((j: { pin: string }) => j.pin).sort()).toEqual(['234567', '765432']);
    expect(
      pulled.data.items.every((j: { state: string; sends: number }) => j.state === 'sent' && j.sends === 1),
    ).toBe(true);
    expect((await pull()).data.items).toEqual([]);
    const job = pulled.data.items.find((j: { pin: string }) => j.pin === '234567');
    const acked = await ack(job.job_id, { status: 'off' });
    expect(acked.statusCode).toBe(200);
    expect(acked.data).toMatchObject({ state: 'acknowledged', reported: 'off', unique_id: job.unique_id });
    const twice = await ack(job.job_id, { status: 'off again' });
    expect(twice.data).toMatchObject({ state: 'acknowledged', reported: 'off', job_id: acked.data.job_id });
    // The circuit now reads as off; the list shows the job acknowledged, and as of before the pull, pending.
    expect((await get('/circuits/234567')).data.status).toBe('off');
    expect((await get('/jobs?state=acknowledged')).data.items.map((j: { pin: string }) => j.pin)).toEqual([
      '234567',
    ]);
    const then = await get(`/jobs?circuit=234567&asof=${before.toISOString()}`);
    expect(then.data.items[0]).toMatchObject({ state: 'pending', sends: 0 });
  });

  it('a job not sent cannot be acknowledged; bad acknowledgements are refused naming the field', async () => {
    const pending = await api.db.job.add({
      unique_id: 'ping-1',
      circuit_id: t.g.circuit.circuit_id,
      type: 'Cping',
    });
    const early = await ack(pending.job_id, { status: 'ok' });
    expect(early.statusCode).toBe(409);
    expect(early.data.error).toMatchObject({
      code: 'WRONG_STATE',
      message: expect.stringMatching(/only a sent job/),
    });
    for (const [body, message] of [
      [{}, /status/],
      [{ status: '' }, /status/],
      [{ status: 'ok', credit: 1e12 }, /credit/],
      [{ status: 'ok', credit: 'lots' }, /credit/],
      [{ status: 'x'.repeat(65) }, /status/],
    ] as const) {
      const res = await ack(pending.job_id, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.data.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await ack(99_999_999, { status: 'ok' })).statusCode).toBe(404);
    const [sent] = (await pull()).data.items;
    expect(sent).toMatchObject({ unique_id: 'ping-1', state: 'sent' });
    expect((await ack(sent.job_id, { status: 'ok', credit: 12.5 })).data).toMatchObject({
      state: 'acknowledged',
      credit: 12.5,
    });
  });

  it('only the meter’s own device pulls and acknowledges its jobs', async () => {
    await raised();
    const job = await api.db.job.add({
      unique_id: 'ping-2',
      circuit_id: t.g.circuit.circuit_id,
      type: 'Cping',
    });
    // Operators see jobs but do not pull them; a customer's device is no meter's.
    expect((await pull(undefined, t.p.tokens.operator)).statusCode).toBe(403);
    const notMeter = await pull(undefined, t.p.tokens.device);
    expect(notMeter.statusCode).toBe(403);
    expect(notMeter.data.error.message).toMatch(/no field meter's device/);
    // A second meter of the system may not pull the first one's, nor acknowledge them.
    const system_id = await api.db.systemId();
    const device = await api.db.device.add({ user_id: t.p.operator.user_id, name: 'meter-two' });
    const second = await api.db.field_meter.add({
      system_id,
      device_id: device.device_id,
      name: 'meter-two',
    });
    const token = (await issueToken(api.db, { deviceId: device.device_id })).token;
    const wrong = await pull(t.g.meter.field_meter_id, token);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.data.error.message).toMatch(/meter-two's, not field meter/);
    expect((await pull(second.field_meter_id, token)).data.items).toEqual([]);
    const [sent] = (await pull()).data.items;
    expect(sent.unique_id).toBe(job.unique_id);
    expect((await ack(sent.job_id, { status: 'ok' }, token)).statusCode).toBe(404);
    expect((await ack(sent.job_id, { status: 'ok' })).statusCode).toBe(200);
  });
});
