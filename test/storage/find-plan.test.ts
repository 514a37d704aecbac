import { describe, expect, it } from 'vitest';
import { TABLES, type TableName } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

async function plan(sql: string, params: unknown[], forceIndex = false): Promise<string> {
  const client = await t.db.sql.connect();
  try {
    if (forceIndex) await client.query('SET enable_seqscan = off');
    const { rows } = await client.query(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('RESET enable_seqscan');
    client.release();
  }
}

function keyCriteria(name: TableName): Record<string, unknown> {
  const crit: Record<string, unknown> = {};
  for (const k of TABLES[name].key) {
    const col = TABLES[name].columns.find((c) => c.name === k)!;
    crit[k] = col.kind === 'timestamptz' ? JAN_1 : col.kind === 'text' ? 'k' : 1;
  }
  return crit;
}

const JAN_1 = new Date('2026-01-01T00:00:00Z');

/** Whether the table's rows live in TimescaleDB chunks (a clock before them excludes every chunk). */
async function isHypertable(name: string): Promise<boolean> {
  const { rows } = await t.db.sql.query(
    "SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL AS ts",
  );
  if (!rows[0].ts) return false;
  const found = await t.db.sql.query(
    'SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = $1',
    [name],
  );
  return found.rows.length > 0;
}

const indexScan = (name: string) =>
  new RegExp(`Index (Only )?Scan.* using (_hyper_\\d+_\\d+_chunk_)?${name}_key`);

describe('find is an index scan on the natural key at any clock', () => {
  it('on a realistic order table, without hints', async () => {
    const { db } = t;
    const user = await db.user.add({ system_id: await db.systemId(), name: 'P', email: 'p@example.org' });
    const device = await db.device.add({ user_id: user.user_id, name: 'd' });
    const resource = (await db.resource.find({ system_id: await db.systemId(), name: 'capacity' }))!;
    const rows = Array.from({ length: 20_000 }, (_, i) => ({
      unique_id: `o${i % 5000}-${Math.floor(i / 5000)}`,
      device_id: device.device_id,
      resource_id: resource,
      interval_start: new Date(Date.UTC(2026, 0, 1, 0, 5 * (i % 100))),
      side: 'buy' as const,
      quantity: 1,
      price: i % 50,
    }));
    await db.order.addMany(rows);
    await db.sql.query('ANALYZE "order"');
    const { rows: mid } = await db.sql.query(
      'SELECT created FROM "order" ORDER BY order_id OFFSET 10000 LIMIT 1',
    );
    for (const clock of [null, mid[0].created as Date, new Date()]) {
      const q = db.at(clock).order.findSql({ unique_id: 'o17-2' });
      const p = await plan(q.sql, q.params);
      expect(p, String(clock)).toMatch(indexScan('order'));
      expect(p).not.toMatch(/Seq Scan/);
    }
    // A clock before every row: a hypertable excludes all its chunks (nothing is scanned);
    // a plain table still answers from the index.
    const q = db.at(JAN_1).order.findSql({ unique_id: 'o17-2' });
    const p = await plan(q.sql, q.params);
    expect(p).not.toMatch(/Seq Scan/);
    if (await isHypertable('order')) expect(p).toMatch(/One-Time Filter: false/);
    else expect(p).toMatch(indexScan('order'));
  });

  it('every time-series table holds a row at the probed key (so hypertables have a chunk to scan)', async () => {
    const { db } = t;
    const systemId = await db.systemId();
    const resource = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
    const user = (await db.user.find({ system_id: systemId, email: 'p@example.org' }))!;
    const device = (await db.device.list({ limit: 1 }))[0]!;
    await db.price.add({
      resource_id: resource,
      interval_start: JAN_1,
      price: 1,
      quantity: 1,
      type: 'BUYER',
    });
    await db.meter.add({
      device_id: device.device_id,
      resource_id: resource,
      interval_start: JAN_1,
      quantity: 1,
    });
    expect(user).toBeGreaterThan(0);
  });

  for (const name of Object.keys(TABLES) as TableName[]) {
    if (TABLES[name].key.length === 0) continue;
    it(`${name}: the query shape matches the ${name}_key index`, async () => {
      const q = t.db.at(new Date('2100-01-01T00:00:00Z'))[name as 'user'].findSql(keyCriteria(name));
      const p = await plan(q.sql, q.params, true);
      expect(p).not.toMatch(/Seq Scan/);
      expect(p).toMatch(indexScan(name));
    });
  }
});
