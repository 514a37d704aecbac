import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSeriesRows, DATASETS } from '../../engine/datasets/index.js';
import { importDataset, migrate, writeClientData } from '../../storage/index.js';
import { MIGRATIONS_DIR } from '../../storage/migrations.js';
import { createTestDatabase } from '../helpers/database.js';
import { openTestHandle, sleep, type TestHandle, useDatabase } from '../helpers/open.js';

const source = useDatabase({ system: 'client-data' });
let dir: string;
const up = () => join(dir, '999999_client_data.up.sql');

/** What a database holds of client data, by natural keys (ids differ between databases). */
async function clientData(db: TestHandle) {
  const q = async (sql: string) => (await db.sql.query(sql)).rows;
  return {
    clients: await q(`SELECT s.name AS system, c.name, c.created FROM client_info.clients c
                      JOIN system s ON s.system_id = c.system_id ORDER BY c.created`),
    sites: await q(`SELECT sys.name AS system, c.name AS client, s.site_id, s.name, s.address, s.latitude,
                           s.longitude, s.time_zone, s.created
                    FROM client_info.site_info s JOIN system sys ON sys.system_id = s.system_id
                    JOIN client_info.clients c ON c.client_id = s.client_id ORDER BY s.created`),
    metadata: await q('SELECT * FROM weather.metadata ORDER BY created_at'),
    tariffs: await q('SELECT * FROM tariffs.metadata ORDER BY created_at'),
    weather: await q('SELECT * FROM weather.observations ORDER BY dataset_id, start_ts'),
    prices: await q('SELECT * FROM tariffs.prices ORDER BY dataset_id, start_ts'),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tess-client-data-'));
  const { db } = source;
  const systemId = await db.systemId();
  const client = await db.clients.add({ system_id: systemId, name: "O'Brien & Daughters" });
  await db.site_info.add({
    site_id: 'obrien_farm',
    client_id: client.client_id,
    system_id: systemId,
    name: 'Farm',
    latitude: 53.35,
  });
  await sleep(2);
  await db.site_info.set({ site_id: 'obrien_farm', address: 'Back\\slash Lane\n2' });
  const csv = (n: number) =>
    [
      'start_ts,end_ts,air_temperature,wind_speed',
      ...Array.from({ length: n }, (_, i) => {
        const t = (k: number) => new Date(Date.UTC(2026, 0, 1) + k * 300_000).toISOString();
        return `${t(i)},${t(i + 1)},${((i % 100) * 0.1 - 3).toFixed(1)},${i % 3 === 0 ? '' : 1 / 3}`;
      }),
    ].join('\n');
  const first = await importDataset(db, {
    type: 'weather',
    siteId: 'obrien_farm',
    systemId,
    params: { source: "it's a station" },
    rows: csvSeriesRows(DATASETS.weather, [csv(2_500)]),
  });
  await importDataset(db, {
    type: 'weather',
    siteId: 'obrien_farm',
    systemId,
    supersedes: first.datasetId,
    rows: csvSeriesRows(DATASETS.weather, [csv(30)]),
  });
  await importDataset(db, {
    type: 'tariffs',
    siteId: 'obrien_farm',
    systemId,
    metadata: { currency: 'EUR', energy_unit: 'kWh' },
    rows: [
      { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 0, 2), values: [0.31, null], place: 'rows[0]' },
    ],
  });
  // The migrations, and the client data written beside them.
  for (const f of await readdir(MIGRATIONS_DIR))
    if (/^\d+_.*\.sql$/.test(f) && !f.startsWith('999999'))
      await copyFile(join(MIGRATIONS_DIR, f), join(dir, f));
  const texts = { up: '', down: '' };
  const result = await writeClientData(
    db,
    ['client_info', 'weather', 'tariffs'],
    async (t) => {
      texts.up += t;
    },
    async (t) => {
      texts.down += t;
    },
    'test',
  );
  expect(result).toEqual({ sites: 2, datasets: 3, rows: 2_531 });
  await writeFile(up(), texts.up);
  await writeFile(join(dir, '999999_client_data.down.sql'), texts.down);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('client data as a migration', () => {
  it('is applied last by migrate up, again changes nothing, and down removes exactly its rows', async () => {
    const target = await createTestDatabase();
    const db = await openTestHandle(target.url, { system: 'client-data' });
    try {
      const applied = await migrate(target.url, { kind: 'up' }, { dir });
      expect(applied.applied).toEqual(['999999_client_data.up.sql']);
      const want = await clientData(source.db);
      expect(want.weather).toHaveLength(2_530);
      expect(await clientData(db)).toEqual(want);
      // Applied a second time (an idempotent file), nothing is added.
      await db.sql.query(await readFile(up(), 'utf8'));
      expect(await clientData(db)).toEqual(want);
      // The database's own data beside it: a site added after, and its system.
      const systemId = await db.systemId();
      const own = await db.clients.add({ system_id: systemId, name: 'Local' });
      await db.site_info.add({
        site_id: 'local_site',
        client_id: own.client_id,
        system_id: systemId,
        name: 'Local',
      });
      const down = await migrate(target.url, { kind: 'down', steps: 1 }, { dir });
      expect(down.applied).toEqual(['999999_client_data.down.sql']);
      const left = await clientData(db);
      expect(left.sites.map((s) => s.site_id)).toEqual(['local_site']);
      expect(left.clients.map((c) => c.name)).toEqual(['Local']);
      expect([left.metadata, left.tariffs, left.weather, left.prices]).toEqual([[], [], [], []]);
      const { rows: logged } = await db.sql.query("SELECT event, message FROM log WHERE event = 'DELETE'");
      expect(logged).toEqual([{ event: 'DELETE', message: 'client data removed: test' }]);
    } finally {
      await db.close();
      await target.drop();
    }
  });
});
