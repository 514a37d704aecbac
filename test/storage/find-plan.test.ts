import { describe, expect, it } from 'vitest';
import { TABLES, type TableName } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

async function plan(sql: string, params: unknown[], forceIndex = false): Promise<string> {
  const client = await t.db.pool.connect();
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
    crit[k] = col.kind === 'timestamptz' ? new Date('2026-01-01T00:00:00Z') : col.kind === 'text' ? 'k' : 1;
  }
  return crit;
}

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
    await db.pool.query('ANALYZE "order"');
    for (const clock of [null, new Date('2026-01-01T00:00:00Z'), new Date()]) {
      const q = db.at(clock).order.findSql({ unique_id: 'o17-2' });
      const p = await plan(q.sql, q.params);
      // On TimescaleDB the scan is of a chunk's copy of the index (_hyper_N_M_chunk_order_key).
      expect(p, String(clock)).toMatch(/Index (Only )?Scan.* using (_hyper_\d+_\d+_chunk_)?order_key/);
      expect(p).not.toMatch(/Seq Scan/);
    }
  });

  for (const name of Object.keys(TABLES) as TableName[]) {
    if (TABLES[name].key.length === 0) continue;
    it(`${name}: the query shape matches the ${name}_key index`, async () => {
      const q = t.db.at(new Date('2026-06-01T00:00:00Z'))[name as 'user'].findSql(keyCriteria(name));
      const p = await plan(q.sql, q.params, true);
      expect(p).not.toMatch(/Seq Scan/);
      // A hypertable without chunks yet has nothing to scan; otherwise the key index is used.
      const empty = /One-Time Filter: false|Result {2}\(cost/.test(p) && !/Scan/.test(p);
      if (!empty)
        expect(p).toMatch(new RegExp(`Index (Only )?Scan.* using (_hyper_\\d+_\\d+_chunk_)?${name}_key`));
    });
  }
});
