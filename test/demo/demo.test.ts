import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../cli/demo/run-demo.js';
import { readSettings } from '../../cli/settings.js';
import { createMarket, waitFor } from '../helpers/market.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl } from '../helpers/server-url.js';

const t = useDatabase();
const redis = redisPrefix();
afterAll(() => redis.clean());

describe('tess demo', () => {
  it('runs a live market: devices bid over HTTP, intervals clear, meters settle, then the system leaves the market', async () => {
    const lines: string[] = [];
    const summary = await runDemo({
      settings: readSettings({
        DATABASE_URL: t.test.url,
        REDIS_URL: redisUrl(),
        PORT: '0',
        QUEUE_PREFIX: redis.prefix,
        LOG_LEVEL: 'error',
      }),
      devices: 24,
      intervalSeconds: 1,
      durationSeconds: 5,
      system: 'demo-test',
      out: (line) => lines.push(line),
    });
    expect(summary.rejected).toBe(0);
    expect(summary.intervals).toBeGreaterThanOrEqual(3);
    expect(summary.orders).toBeGreaterThan(24);
    expect(summary.meters).toBeGreaterThan(0);
    const intervalLines = lines.filter((l) => / interval \d\d:\d\d:\d\d {2}price /.test(l));
    expect(intervalLines.length).toBe(summary.intervals);
    expect(lines.at(-1)).toMatch(/^done: \d+ intervals, \d+ orders, \d+ meter readings, mean price/);

    // The market ran on the system's datasets: the config names them, the feeder offered at
    // the tariff's import price of each interval, and each price records the carbon intensity.
    expect(lines.find((l) => l.startsWith('datasets of site demo_test_feeder: weather '))).toBeDefined();
    // Every interval the devices bid in shows the tariff's price and the carbon intensity (an
    // interval the runtime cleared before the datasets' first row shows neither).
    const bidIn = intervalLines.filter((l) => !/ orders +0 /.test(l));
    expect(bidIn.length).toBeGreaterThanOrEqual(3);
    expect(bidIn.filter((l) => !/ tariff +\d+\.\d\d {2}/.test(l))).toEqual([]);
    expect(bidIn.filter((l) => !/ {2}CI +\d+ g\/kWh {2}/.test(l))).toEqual([]);
    const demoSystem = (await t.db.systemIdByName('demo-test'))!;
    const named = async (name: string) =>
      (
        await t.db.sql.query(
          'SELECT value FROM config WHERE system_id = $1 AND name = $2 ORDER BY created DESC, config_id DESC LIMIT 1',
          [demoSystem, name],
        )
      ).rows[0]?.value as string;
    const tariff = await named('wholesale-tariff');
    const carbon = await named('carbon-intensity');
    const ids = [tariff, carbon, await named('weather'), await named('pv-forecast')];
    expect(ids.every((v) => /^[0-9a-f-]{36}$/.test(v))).toBe(true);
    const { rows: offers } = await t.db.sql.query(
      `SELECT DISTINCT ON (o.unique_id) o.price, p.import_price
       FROM "order" o JOIN device d ON d.device_id = o.device_id
       JOIN tariffs.prices p ON p.dataset_id = $1 AND p.start_ts <= o.interval_start AND o.interval_start < p.end_ts
       WHERE d.name = 'feeder' AND d.user_id IN (SELECT user_id FROM "user" WHERE system_id = $2)
       ORDER BY o.unique_id, o.created`,
      [tariff, demoSystem],
    );
    expect(offers.length).toBeGreaterThanOrEqual(3);
    for (const o of offers) expect(o.price).toBe(o.import_price);
    const { rows: intensities } = await t.db.sql.query(
      `SELECT p.g_co2_per_kwh, c.g_co2_per_kwh AS dataset, p.quantity, p.emissions_kg, p.interval_seconds
       FROM price p JOIN resource r USING (resource_id)
       JOIN carbon_intensity.intensities c ON c.dataset_id = $1 AND c.start_ts <= p.interval_start AND p.interval_start < c.end_ts
       WHERE r.system_id = $2`,
      [carbon, demoSystem],
    );
    expect(intensities.length).toBeGreaterThanOrEqual(bidIn.length);
    for (const p of intensities) {
      expect(p.g_co2_per_kwh).toBe(p.dataset);
      expect(p.emissions_kg).toBeCloseTo(
        (p.quantity * 1000 * (p.interval_seconds / 3600) * p.dataset) / 1000,
        9,
      );
    }

    // What the devices did is in the database: cleared orders, money, settled readings.
    const { rows } = await t.db.sql.query(
      `SELECT (SELECT count(*)::int FROM "order" WHERE status = 'CLEARED') AS cleared,
              (SELECT count(*)::int FROM transaction WHERE meter_id IS NOT NULL) AS settled,
              (SELECT count(*)::int FROM transaction WHERE order_id IS NOT NULL) AS fills`,
    );
    expect(rows[0].cleared).toBeGreaterThan(0);
    expect(rows[0].fills).toBeGreaterThan(0);
    expect(rows[0].settled).toBeGreaterThan(0);
    const demo = await t.db.system.find({ name: 'demo-test' });
    const mechanism = await t.db.sql.query(
      "SELECT value FROM config WHERE system_id = $1 AND name = 'mechanism' ORDER BY created DESC, config_id DESC LIMIT 1",
      [demo],
    );
    expect(mechanism.rows[0].value).toBe('NONE');

    // A server that outlives the demo on the same database and queue prefix leaves the demo
    // system alone (while clearing another system), whatever it finds in Redis.
    const ended = Date.now();
    const { rows: demoPrices } = await t.db.sql.query(
      'SELECT count(*)::int AS n FROM price p JOIN resource r USING (resource_id) WHERE r.system_id = $1',
      [demo],
    );
    const control = await createMarket(t.db, 'after-demo', 1, 2);
    const later = await startTestRuntime(t.db, redis.prefix, { log: pino({ level: 'silent' }) });
    try {
      await waitFor('the later server clearing', async () => {
        const { rows: n } = await t.db.sql.query(
          'SELECT count(*)::int AS n FROM price WHERE resource_id = $1 AND interval_start >= $2',
          [control.resourceId, new Date(ended)],
        );
        return n[0].n >= 3;
      });
    } finally {
      await later.stop();
    }
    const { rows: since } = await t.db.sql.query(
      'SELECT count(*)::int AS n FROM price p JOIN resource r USING (resource_id) WHERE r.system_id = $1',
      [demo],
    );
    expect(since[0].n).toBe(demoPrices[0].n);
  }, 90_000);
});
