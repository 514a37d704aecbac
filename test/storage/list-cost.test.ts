import { describe, expect, it } from 'vitest';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

/** Buffers a statement touches (shared hits and reads), from EXPLAIN (ANALYZE, BUFFERS). */
async function buffers(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await t.db.sql.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  const plan = rows[0]['QUERY PLAN'][0].Plan;
  return plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
}

describe('list works in proportion to the page, not to the table', () => {
  it("one device's orders among 30,000 others, and a page of all orders", async () => {
    const { db } = t;
    const systemId = await db.systemId();
    const user = await db.user.add({ system_id: systemId, name: 'C', email: 'c@example.org' });
    const busy = await db.device.add({ user_id: user.user_id, name: 'busy' });
    const quiet = await db.device.add({ user_id: user.user_id, name: 'quiet' });
    const resource = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
    const order = (device: number, i: number) => ({
      device_id: device,
      resource_id: resource,
      interval_start: new Date(Date.UTC(2026, 0, 1, 0, 5 * (i % 1000))),
      side: 'buy' as const,
      quantity: 1,
      price: i % 50,
    });
    await db.order.addMany(Array.from({ length: 15_000 }, (_, i) => order(busy.device_id, i)));
    await db.order.addMany(Array.from({ length: 5 }, (_, i) => order(quiet.device_id, i)));
    await db.order.addMany(Array.from({ length: 15_000 }, (_, i) => order(busy.device_id, i)));
    await db.sql.query('ANALYZE "order"');
    const { rows } = await db.sql
      .query(
        `SELECT sum(pg_relation_size(c))::int / 8192 AS pages
         FROM (SELECT '"order"'::regclass AS c
               UNION ALL SELECT format('%I.%I', chunk_schema, chunk_name)::regclass
                 FROM timescaledb_information.chunks WHERE hypertable_name = 'order') AS t`,
      )
      .catch(() => db.sql.query(`SELECT pg_relation_size('"order"')::int / 8192 AS pages`));
    const pages = rows[0].pages as number;
    expect(pages).toBeGreaterThan(200);

    const mine = (await db.order.listSql({ where: { device_id: quiet.device_id } }))!;
    expect((await db.sql.query(mine.sql, mine.params)).rows).toHaveLength(5);
    // A list that visited every entry would touch every page of the table.
    expect(await buffers(mine.sql, mine.params)).toBeLessThan(pages / 10);

    const page = (await db.order.listSql({ limit: 20 }))!;
    expect((await db.sql.query(page.sql, page.params)).rows).toHaveLength(20);
    // About three buffers a listed row: a probe of the key index for a newer version.
    expect(await buffers(page.sql, page.params)).toBeLessThan(pages / 4);
  });
});
