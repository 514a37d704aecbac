import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { listMarkets, type Market } from '../../storage/markets.js';
import { clearDue, clearMarketInterval } from '../../workers/clear-market.js';
import { engineRefused, isDeterministic } from '../../workers/interval-failure.js';
import { intervalsFailed, registry } from '../../workers/metrics.js';
import { ClearingPool } from '../../workers/pool.js';
import { createMarket, type TestMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());

/** A logger that keeps its lines, to check what an operator is told. */
function recordingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

async function marketOf(m: TestMarket): Promise<Market> {
  const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
  return market!;
}

async function configure(m: TestMarket, name: string, value: string): Promise<void> {
  const entry = { system_id: m.systemId, name, value };
  if ((await t.db.config.find({ system_id: m.systemId, name })) === null) await t.db.config.add(entry);
  else await t.db.config.set(entry);
}

async function intervals(resourceId: number) {
  const { rows } = await t.db.sql.query(
    `SELECT m.interval_start, m.reason, p.type, p.price, p.quantity,
            (SELECT count(*)::int FROM "order" o WHERE o.price_id = p.price_id AND o.status = 'CLEARED') AS cleared,
            (SELECT coalesce(sum(cleared_quantity), 0) FROM "order" o WHERE o.price_id = p.price_id) AS filled,
            (SELECT count(*)::int FROM transaction x WHERE x.price_id = p.price_id) AS money
     FROM market_interval m JOIN price p USING (price_id) WHERE m.resource_id = $1 ORDER BY m.interval_start`,
    [resourceId],
  );
  return rows;
}

const SECONDS = 60;
const slot = (k: number) => new Date(Date.UTC(2103, 0, 1) + k * SECONDS * 1000);

async function book(m: TestMarket, k: number, buy = 3) {
  await t.db.order.addMany([
    {
      device_id: m.devices[0]!,
      resource_id: m.resourceId,
      interval_start: slot(k),
      side: 'buy',
      quantity: buy,
      price: 50,
    },
    {
      device_id: m.devices[1]!,
      resource_id: m.resourceId,
      interval_start: slot(k),
      side: 'sell',
      quantity: 10,
      price: 10,
    },
  ]);
}

describe('an interval that cannot clear', () => {
  it.each([
    ['price-cap', 'abc', /price-cap must be a number/],
    ['capacity:device-orders-max', '0', /capacity:device-orders-max must be a number above 0/],
  ])(
    'config %s = %j: every interval is recorded as FAILURE and the market moves on',
    async (name, value, why) => {
      const m = await createMarket(t.db, `bad-${name.replace(':', '-')}`, SECONDS, 2);
      await configure(m, name, value);
      await book(m, 0);
      await book(m, 1);
      const { log, lines } = recordingLog();
      const failedBefore = (await intervalsFailed.get()).values[0]?.value ?? 0;
      const outcomes = await clearDue(
        { db: t.db, pool, log, horizonSeconds: 10 * 365 * 86_400 },
        { ...(await marketOf(m)), created: slot(0) },
        slot(2),
      );
      expect(outcomes.map((o) => o.price?.type)).toEqual(['FAILURE', 'FAILURE']);
      const rows = await intervals(m.resourceId);
      expect(rows).toHaveLength(2);
      for (const r of rows) {
        expect(r.reason).toMatch(why);
        // Nothing cleared, no money, every order closed with fill 0; the price is the default cap.
        expect(r).toMatchObject({
          type: 'FAILURE',
          price: 9999,
          quantity: 0,
          cleared: 2,
          filled: 0,
          money: 0,
        });
      }
      const errors = lines.filter((l) => l['msg'] === 'interval recorded as FAILURE');
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatchObject({
        level: 50,
        system: `bad-${name.replace(':', '-')}`,
        resource: 'capacity',
      });
      expect(errors[0]!['interval']).toBe(slot(0).toISOString());
      expect(errors[0]!['reason']).toMatch(why);
      expect((await intervalsFailed.get()).values[0]!.value).toBe(failedBefore + 2);
      expect(await registry.getSingleMetricAsString('tess_intervals_failed_total')).toMatch(
        /tess_intervals_failed_total \d+/,
      );
    },
  );

  it('a row PostgreSQL refuses fails only its own interval; the next one clears', async () => {
    const m = await createMarket(t.db, 'refused-row', SECONDS, 2);
    // Stands for any data error at the write (numeric overflow, a check): fills of 7 or
    // more are refused in this market.
    await t.db.sql.query(
      `ALTER TABLE "order" ADD CONSTRAINT test_small_fills CHECK (resource_id <> ${m.resourceId} OR cleared_quantity < 7)`,
    );
    await book(m, 0, 8);
    await book(m, 1, 3);
    const { log } = recordingLog();
    const market = await marketOf(m);
    const first = await clearMarketInterval({ db: t.db, pool, log }, market, slot(0), slot(1));
    const second = await clearMarketInterval({ db: t.db, pool, log }, market, slot(1), slot(2));
    expect(first.price?.type).toBe('FAILURE');
    expect(first.reason).toMatch(/test_small_fills/);
    expect(second.price).toMatchObject({ type: 'SELLER', quantity: 3 });
    const rows = await intervals(m.resourceId);
    expect(rows.map((r) => [r.type, r.filled, r.money, r.reason === null])).toEqual([
      ['FAILURE', 0, 0, false],
      ['SELLER', 6, 2, true],
    ]);
    await t.db.sql.query('ALTER TABLE "order" DROP CONSTRAINT test_small_fills');
  });

  it('when even the FAILURE cannot be written, nothing is written and the error is thrown (retried)', async () => {
    const m = await createMarket(t.db, 'unrecordable', SECONDS, 2);
    await configure(m, 'price-cap', 'abc');
    await t.db.sql.query(
      `ALTER TABLE price ADD CONSTRAINT test_no_failure CHECK (resource_id <> ${m.resourceId} OR type <> 'FAILURE')`,
    );
    await book(m, 0);
    const { log } = recordingLog();
    await expect(
      clearMarketInterval({ db: t.db, pool, log }, await marketOf(m), slot(0), slot(1)),
    ).rejects.toThrow(/could not clear \(system .*price-cap.*\) nor be recorded as a failure/);
    expect(await intervals(m.resourceId)).toEqual([]);
    const { rows } = await t.db.sql.query(
      `SELECT count(*)::int AS n FROM "order" WHERE resource_id = $1 AND status = 'CLEARED'`,
      [m.resourceId],
    );
    expect(rows[0].n).toBe(0);
    await t.db.sql.query('ALTER TABLE price DROP CONSTRAINT test_no_failure');
  });
});

describe('which failures are deterministic', () => {
  /** A real error PostgreSQL answers for `sql`. */
  const pgError = (sql: string) =>
    t.db.sql.query(sql).then(
      () => {
        throw new Error(`${sql} did not fail`);
      },
      (err: unknown) => err,
    );

  it('data errors, engine and config errors are; outages, timeouts and conflicts are not', async () => {
    expect(isDeterministic(await pgError('SELECT 1e20::numeric(20, 6)'))).toBe(true); // numeric field overflow
    expect(isDeterministic(await pgError("SELECT 'abc'::float8"))).toBe(true);
    expect(
      isDeterministic(await pgError('CREATE TEMP TABLE c (x int CHECK (x > 0)); INSERT INTO c VALUES (0)')),
    ).toBe(true);
    expect(isDeterministic(engineRefused(new Error('side total too large')))).toBe(true);
    expect(isDeterministic(new TessError(ErrorCode.INVALID, 'config price-cap must be a number'))).toBe(true);

    // A lock timeout, for real: another transaction holds the table.
    await t.db.sql.query('CREATE TABLE IF NOT EXISTS lock_probe (x int)');
    const holder = await t.db.sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE lock_probe');
      const timeout = await pgError("SET lock_timeout = '50ms'; LOCK TABLE lock_probe");
      expect((timeout as { code?: string }).code).toBe('55P03');
      expect(isDeterministic(timeout)).toBe(false);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    for (const code of ['40001', '40P01', '55P03', '57P01', '08006', '53300', 'ECONNRESET', 'ECONNREFUSED']) {
      expect(isDeterministic(Object.assign(new Error(code), { code }))).toBe(false);
    }
    expect(isDeterministic(new Error('timeout exceeded when trying to connect'))).toBe(false);
    expect(isDeterministic(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isDeterministic(new TessError(ErrorCode.UNAVAILABLE, 'cannot reach PostgreSQL'))).toBe(false);
    expect(isDeterministic(new Error('Connection is closed.'))).toBe(false); // ioredis
  });
});
