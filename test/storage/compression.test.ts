import { describe, expect, it } from 'vitest';
import { setCompressionAge } from '../../storage/compression.js';
import { readStorageMode } from '../../storage/storage-mode.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

const DAY = 86_400_000;

/** Old history written straight to the tables with past `created` times (as a long-running market would have). */
async function writeOldHistory(): Promise<{ ids: string[]; userId: number }> {
  const { db } = t;
  const systemId = await db.systemId();
  const user = await db.user.add({ system_id: systemId, name: 'Old', email: 'old@example.org' });
  const device = await db.device.add({ user_id: user.user_id, name: 'heater' });
  const resource = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  // 300 orders, each with three versions a day apart, from 12 to 9 days ago; a reading and
  // a transaction per order; all in chunks older than the 7-day policy.
  await db.sql.query(
    `WITH o AS (
       SELECT k, v, now() - interval '12 days' + v * interval '1 day' + k * interval '1 minute' AS at
         FROM generate_series(1, 300) AS k, generate_series(0, 2) AS v)
     INSERT INTO "order" (unique_id, device_id, resource_id, interval_start, side, quantity, price, status,
                          cleared_quantity, created)
     SELECT 'old-' || k, $1, $2, date_trunc('hour', at), CASE WHEN k % 2 = 0 THEN 'buy' ELSE 'sell' END,
            k, 10 + v, CASE v WHEN 2 THEN 'CLEARED' ELSE 'OPEN' END, CASE v WHEN 2 THEN k / 2.0 ELSE 0 END, at
       FROM o`,
    [device.device_id, resource],
  );
  await db.sql.query(
    `INSERT INTO meter (device_id, resource_id, interval_start, quantity, created)
     SELECT $1, $2, now() - interval '12 days' + k * interval '5 minutes', k * 0.5,
            now() - interval '12 days' + k * interval '5 minutes' + interval '1 second'
       FROM generate_series(1, 300) AS k`,
    [device.device_id, resource],
  );
  await db.sql.query(
    `INSERT INTO transaction (user_id, device_id, meter_id, price_id, amount, balance, created)
     SELECT $1, $2, k, 1, -k * 0.01, -k * (k + 1) / 2 * 0.01, now() - interval '12 days' + k * interval '10 minutes'
       FROM generate_series(1, 300) AS k`,
    [user.user_id, device.device_id],
  );
  return { ids: Array.from({ length: 300 }, (_, i) => `old-${i + 1}`), userId: user.user_id };
}

/** Everything the table operations answer about the old history, at several clocks. */
async function answers(ids: string[], userId: number, clocks: (Date | null)[]): Promise<unknown> {
  const { db } = t;
  const out: unknown[] = [];
  for (const clock of clocks) {
    const at = db.at(clock);
    for (const id of ids.filter((_, i) => i % 7 === 0)) {
      const found = await at.order.find({ unique_id: id });
      out.push(found, found === null ? null : await at.order.get(found));
    }
    out.push(await at.transaction.list({ where: { user_id: userId }, limit: 1000 }));
    out.push(await at.meter.list({ limit: 1000 }));
    out.push(await at.order.list({ limit: 1000 }));
  }
  return out;
}

async function compressedChunks(): Promise<string[]> {
  const { rows } = await t.db.sql.query(
    'SELECT hypertable_name FROM timescaledb_information.chunks WHERE is_compressed ORDER BY 1',
  );
  return [...new Set(rows.map((r) => r.hypertable_name as string))];
}

describe('compression of old chunks', () => {
  it('compressed history answers find, get, list and as-of reads exactly as before', async (ctx) => {
    const mode = await readStorageMode(t.db.sql);
    if (mode.kind !== 'timescaledb') {
      // Plain PostgreSQL has no chunks to compress: the age setting changes nothing there.
      expect(mode.reason).toMatch(/./);
      ctx.skip('plain PostgreSQL: nothing is compressed (the TimescaleDB pass runs this test)');
    }
    const { ids, userId } = await writeOldHistory();
    const clocks = [null, ...[11.5, 10.5, 9.5, 8.5].map((d) => new Date(Date.now() - d * DAY))];
    const before = await answers(ids, userId, clocks);
    expect(JSON.stringify(before)).toContain('old-1');
    // Run the policies themselves (as TimescaleDB's scheduler would), not a hand-made compression.
    const { rows: jobs } = await t.db.sql.query(
      "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' ORDER BY job_id",
    );
    expect(jobs.length).toBe(4);
    for (const { job_id } of jobs) await t.db.sql.query('CALL run_job($1)', [job_id]);
    expect(await compressedChunks()).toEqual(['meter', 'order', 'transaction']);
    expect(await answers(ids, userId, clocks)).toEqual(before);
  });

  it('compressed rows stay immutable, through the hypertable and through the chunk itself', async (ctx) => {
    if ((await readStorageMode(t.db.sql)).kind !== 'timescaledb')
      ctx.skip('plain PostgreSQL: no compressed chunks');
    const { db } = t;
    const count = async () =>
      (await db.sql.query('SELECT count(*)::int AS n, sum(price) AS p FROM "order"')).rows[0];
    const before = await count();
    await expect(db.sql.query(`UPDATE "order" SET price = 0 WHERE unique_id = 'old-1'`)).rejects.toThrow(
      /immutable: UPDATE refused/,
    );
    await expect(db.sql.query(`DELETE FROM "order" WHERE unique_id = 'old-2'`)).rejects.toThrow(
      /immutable: DELETE refused/,
    );
    const { rows } = await db.sql.query(
      `SELECT format('%I.%I', chunk_schema, chunk_name) AS chunk FROM timescaledb_information.chunks
        WHERE hypertable_name = 'order' AND is_compressed LIMIT 1`,
    );
    const chunk = rows[0].chunk as string;
    await expect(db.sql.query(`DELETE FROM ${chunk}`)).rejects.toThrow(/immutable: DELETE refused/);
    await expect(db.sql.query(`UPDATE ${chunk} SET price = 0`)).rejects.toThrow(/immutable: UPDATE refused/);
    await expect(db.sql.query(`TRUNCATE "order"`)).rejects.toThrow(/immutable: TRUNCATE refused/);
    expect(await count()).toEqual(before);
    expect(await compressedChunks()).toContain('order');
  });

  it('the age follows COMPRESS_AFTER_DAYS: changed and logged once, removed with 0', async (ctx) => {
    if ((await readStorageMode(t.db.sql)).kind !== 'timescaledb') ctx.skip('plain PostgreSQL: no policies');
    const { db } = t;
    const ages = async () =>
      (
        await db.sql.query(
          `SELECT hypertable_name AS t, config->>'compress_after' AS after FROM timescaledb_information.jobs
            WHERE proc_name = 'policy_compression' ORDER BY 1`,
        )
      ).rows;
    expect(await setCompressionAge(db.sql, 7)).toBe(false);
    expect(await setCompressionAge(db.sql, 30)).toBe(true);
    expect(await ages()).toEqual(
      ['log', 'meter', 'order', 'transaction'].map((t) => ({ t, after: '30 days' })),
    );
    expect(await setCompressionAge(db.sql, 30)).toBe(false);
    const logged = await db.sql.query(
      "SELECT table_name, message FROM log WHERE message LIKE 'chunks compressed after%' ORDER BY table_name",
    );
    expect(logged.rows).toEqual(
      ['log', 'meter', 'order', 'transaction'].map((t) => ({
        table_name: t,
        message: 'chunks compressed after 30 days',
      })),
    );
    expect(await setCompressionAge(db.sql, 0)).toBe(true);
    expect(await ages()).toEqual([]);
  });
});
