import { afterAll, describe, expect, it } from 'vitest';
import { issueTokenBatch, redeemToken } from '../../storage/index.js';
import type { Runtime } from '../../workers/runtime.js';
import { waitFor } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { startTestRuntime } from '../helpers/runtime.js';

const t = useDatabase();
const redis = redisPrefix();
const KEY = 'k'.repeat(32);
let runtime: Runtime | undefined;
afterAll(async () => {
  await runtime?.stop();
  await redis.clean();
});

describe('the runtime runs the gateway passes', () => {
  it('each interval, for a system off the market: a circuit without credit is cut, charged at the tariff, and reconnected after a top-up', async () => {
    const sys = await t.db.system.add({ name: 'village' });
    const system_id = sys.system_id;
    await t.db.config.set({ system_id, name: 'mechanism', value: 'NONE' });
    await t.db.config.set({ system_id, name: 'interval', value: '1' });
    await t.db.config.add({ system_id, name: 'day-tariff', value: '500' });
    await t.db.config.add({ system_id, name: 'night-tariff', value: '500' });
    const operator = await t.db.user.add({ system_id, name: 'op', email: 'op@v', role: 'OPERATOR' });
    const customer = await t.db.user.add({ system_id, name: 'Awa', email: 'awa@v' });
    const meterDevice = await t.db.device.add({ user_id: operator.user_id, name: 'meter' });
    const circuitDevice = await t.db.device.add({ user_id: customer.user_id, name: 'circuit' });
    const meter = await t.db.field_meter.add({ system_id, device_id: meterDevice.device_id, name: 'm' });
    const circuit = await t.db.circuit.add({
      system_id,
      device_id: circuitDevice.device_id,
      field_meter_id: meter.field_meter_id,
      pin: '234567',
    });
    // 2 kWh at $500/MWh: a dollar.
    await t.db.primary_log.add({
      circuit_id: circuit.circuit_id,
      period_start: new Date(Date.now() - 3_600_000),
      period_end: new Date(Date.now() - 60_000),
      watthours: 2000,
    });
    runtime = await startTestRuntime(t.db, redis.prefix);
    const jobTypes = async () =>
      (
        await t.db.sql.query('SELECT type FROM gateway.job WHERE circuit_id = $1 ORDER BY job_id', [
          circuit.circuit_id,
        ])
      ).rows.map((r) => r.type);
    await waitFor('the circuit turned off', async () => (await jobTypes()).includes('TurnOff'));
    const { rows: charged } = await t.db.sql.query(
      'SELECT sum(amount)::float AS total FROM transaction WHERE user_id = $1 AND primary_log_id IS NOT NULL',
      [customer.user_id],
    );
    expect(charged[0].total).toBe(-1);
    const { tokens } = await issueTokenBatch(t.db, system_id, [{ denomination: 20, count: 1 }], KEY);
    expect((await redeemToken(t.db, system_id, '234567', tokens[0]!.number, KEY)).balance).toBe(19);
    await waitFor('the circuit turned on', async () => (await jobTypes()).includes('TurnOn'));
    expect(await jobTypes()).toEqual(['TurnOff', 'TurnOn']);
    const { rows: alerts } = await t.db.sql.query(
      'SELECT DISTINCT type FROM gateway.alert WHERE circuit_id = $1 ORDER BY type',
      [circuit.circuit_id],
    );
    expect(alerts.map((r) => r.type)).toEqual(['LowCredit', 'NoCredit']);
  });
});
