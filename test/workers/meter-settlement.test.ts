import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { listMarkets, type Market } from '../../storage/markets.js';
import { clearDue, clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket, type TestMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());

const HOUR = 3600; // Δt = 1 h keeps the arithmetic readable

async function setUp(name: string, year: number) {
  const m = await createMarket(t.db, name, HOUR, 3);
  const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
  const from = new Date(Date.UTC(year, 0, 1));
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const clear = (k: number) =>
    clearMarketInterval(
      { db: t.db, pool, log },
      market as Market,
      new Date(from.getTime() + k * HOUR * 1000),
      new Date(from.getTime() + (k + 1) * HOUR * 1000),
    );
  // Device 0 buys 5 from device 1 at 25: it pays 125.
  await t.db.order.addMany([
    {
      device_id: m.devices[0]!,
      resource_id: m.resourceId,
      interval_start: from,
      side: 'buy',
      quantity: 5,
      price: 40,
    },
    {
      device_id: m.devices[1]!,
      resource_id: m.resourceId,
      interval_start: from,
      side: 'sell',
      quantity: 5,
      price: 10,
    },
  ]);
  expect((await clear(0)).price).toMatchObject({ price: 25, quantity: 5 });
  const reading = (device: number, quantity: number, offsetMs = 0) => ({
    device_id: m.devices[device]!,
    resource_id: m.resourceId,
    interval_start: new Date(from.getTime() + offsetMs),
    quantity,
  });
  return { m, from, clear, reading, lines };
}

/** What meter readings booked for a device, in currency. */
async function metered(m: TestMarket, device: number): Promise<number> {
  const { rows } = await t.db.sql.query(
    'SELECT coalesce(sum(amount), 0)::float8 AS total FROM transaction WHERE device_id = $1 AND meter_id IS NOT NULL',
    [m.devices[device]],
  );
  return rows[0].total;
}

describe('meter settlement, once per device and market interval', () => {
  it('a second reading inside the same interval cannot pay the device again', async () => {
    const { m, clear, reading } = await setUp('twice-paid', 2105);
    // Device 0 used nothing of the 5 it bought: it is paid back 125, once.
    await t.db.meter.add(reading(0, 0));
    await clear(1);
    expect(await metered(m, 0)).toBe(125);
    // Readings written around the API off the grid, inside the same interval: each is
    // the device's latest word for the interval, booking only the difference.
    await t.db.meter.add(reading(0, 0, 1500));
    await t.db.meter.add(reading(0, 0, 30 * 60_000));
    await clear(2);
    expect(await metered(m, 0)).toBe(125);
    // Two at once, before any settlement, for device 2 (no orders, so it pays for what it used).
    await t.db.meter.add(reading(2, 0.2, 2500));
    await t.db.meter.add(reading(2, 0.2, 7000));
    await clear(3);
    expect(await metered(m, 2)).toBe(-5);
    // A correction still settles by difference: device 0 used all it bought after all.
    await t.db.meter.set(reading(0, 5, 30 * 60_000));
    await clear(4);
    expect(await metered(m, 0)).toBe(0);
    const { rows } = await t.db.sql.query(
      'SELECT count(*)::int AS n FROM transaction WHERE device_id = $1 AND meter_id IS NOT NULL',
      [m.devices[0]],
    );
    // 125; 0 for the later of the two off-grid readings (the earlier one is superseded
    // before it is settled); −125 for the correction.
    expect(rows[0].n).toBe(3);
  });

  it('a reading that cannot be settled is marked and skipped; the others and later intervals go on', async () => {
    const { m, clear, reading, lines } = await setUp('unsettleable', 2106);
    await t.db.meter.addMany([reading(0, 0), reading(2, 1e15)]); // 1e15 MWh at 25 $/MWh overflows the ledger
    const next = await clear(1);
    expect(next.price).not.toBeNull();
    expect(await metered(m, 0)).toBe(125);
    expect(await metered(m, 2)).toBe(0);
    const failures = await t.db.sql.query('SELECT meter_id, resource_id, reason FROM meter_failure');
    expect(failures.rows).toHaveLength(1);
    expect(failures.rows[0].reason).toMatch(/beyond what the ledger holds/);
    const logged = lines.filter((l) => l['msg'] === 'meter reading not settled');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 50, resource: 'capacity', meter: failures.rows[0].meter_id });

    // Not tried again at the next clearing; a correction is a new version and settles.
    await clear(2);
    expect(lines.filter((l) => l['msg'] === 'meter reading not settled')).toHaveLength(1);
    await t.db.meter.set(reading(2, 0.2));
    await clear(3);
    expect(await metered(m, 2)).toBe(-5);
    const { rows } = await t.db.sql.query(
      'SELECT count(*)::int AS n FROM market_interval WHERE resource_id = $1 AND reason IS NULL',
      [m.resourceId],
    );
    expect(rows[0].n).toBe(4);
  });

  it('a settlement that fails for a transient reason does not hold up the clearing and is done by the next job', async () => {
    const { m, from, reading, clear, lines } = await setUp('deferred', 2108);
    // A serialization failure on every meter booking of this market, for real, from PostgreSQL.
    await t.db.sql.query(`
      CREATE FUNCTION test_refuse_meter_money() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.meter_id IS NOT NULL AND NEW.device_id = ANY(ARRAY[${m.devices.join(',')}]::bigint[]) THEN
          RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse_meter_money BEFORE INSERT ON transaction
        FOR EACH ROW EXECUTE FUNCTION test_refuse_meter_money();`);
    await t.db.meter.add(reading(0, 0));
    const cleared = await clear(1);
    expect(cleared.price).not.toBeNull(); // the clearing committed and is reported
    expect(lines.some((l) => l['msg'] === 'meter settlement deferred to the next clearing')).toBe(true);
    expect(await metered(m, 0)).toBe(0);
    const marked = await t.db.sql.query(
      'SELECT count(*)::int AS n FROM meter_failure WHERE resource_id = $1',
      [m.resourceId],
    );
    expect(marked.rows[0].n).toBe(0); // transient: not marked, tried again
    await t.db.sql.query(
      'DROP TRIGGER test_refuse_meter_money ON transaction; DROP FUNCTION test_refuse_meter_money()',
    );
    // The next job, with no interval due yet, settles what was left.
    const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
    const outcomes = await clearDue(
      { db: t.db, pool, log: pino({ level: 'silent' }), horizonSeconds: 1e10 },
      { ...market!, created: from },
      new Date(from.getTime() + 2 * HOUR * 1000),
    );
    expect(outcomes).toEqual([]);
    expect(await metered(m, 0)).toBe(125);
  });
});
