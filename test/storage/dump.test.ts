import { priceBuckets } from '../../storage/queries/prices.js';
import { readStorageMode } from '../../storage/storage-mode.js';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorCode } from '../../engine/errors.js';
import { csvSeriesRows, DATASET_TYPES, DATASETS } from '../../engine/datasets/index.js';
import {
  CLIENT_INFO_ORDER,
  dump,
  GATEWAY_ORDER,
  importDataset,
  load,
  TABLE_ORDER,
  TABLES,
} from '../../storage/index.js';
import { tess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { openTestHandle, sleep, type TestHandle, useDatabase } from '../helpers/open.js';
import { serverUrl } from '../helpers/server-url.js';

const source = useDatabase({ system: 'dumped' });
let dir: string;
const clocks: Date[] = [];

async function allRows(db: TestHandle, table: string): Promise<unknown[]> {
  const def = TABLES[table as 'order'];
  const { rows } = await db.sql.query(`SELECT * FROM "${table}" ORDER BY ${def.id}`);
  return rows;
}

async function openEmpty(): Promise<{ test: TestDatabase; db: TestHandle }> {
  const test = await createTestDatabase();
  return { test, db: await openTestHandle(test.url, { system: 'dumped' }) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tess-dump-'));
  const { db } = source;
  const systemId = await db.systemId();
  clocks.push(new Date());
  await sleep(3);
  const user = await db.user.add({
    system_id: systemId,
    name: 'Tab\there',
    email: 'line\nbreak@example.org',
  });
  const device = await db.device.add({ user_id: user.user_id, name: 'back\\slash' });
  await db.setting.add({ device_id: device.device_id, name: 'null', value: null });
  await db.config.set({ name: 'interval', value: '60' });
  await sleep(3);
  clocks.push(new Date());
  await sleep(3);
  const resource = (await db.resource.find({ system_id: systemId, name: 'capacity' }))!;
  const start = new Date('2026-03-01T12:00:00Z');
  await db.order.addMany(
    Array.from({ length: 500 }, (_, i) => ({
      device_id: device.device_id,
      resource_id: resource,
      interval_start: start,
      side: i % 2 ? ('sell' as const) : ('buy' as const),
      quantity: 0.5 + i,
      price: 1 / 3 + i,
    })),
  );
  const price = await db.price.add({
    resource_id: resource,
    interval_start: start,
    price: 33.3,
    quantity: 2,
    type: 'SELLER',
    g_co2_per_kwh: 250,
    emissions_kg: 41.66,
  });
  await db.transaction.add({
    user_id: user.user_id,
    device_id: device.device_id,
    meter_id: 1,
    price_id: price.price_id,
    amount: -1.234567,
  });
  // The runtime's records of an interval it could not clear and a reading it could not book.
  await db.sql.query(
    `INSERT INTO market_interval (resource_id, interval_start, interval_end, price_id, reason)
     VALUES ($1, $2, $3, $4, 'config price-cap must be a number')`,
    [resource, start, new Date(start.getTime() + 300_000), price.price_id],
  );
  await db.sql.query(
    "INSERT INTO meter_failure (meter_id, resource_id, reason) VALUES (7, $1, 'amount beyond the ledger')",
    [resource],
  );
  await db.config.set({ name: 'interval', value: '120' });
  // A site with a tariff, and a correction of it.
  const client = await db.clients.add({ system_id: systemId, name: 'Foobar Ltd' });
  await db.site_info.add({
    site_id: 'foobar_house',
    client_id: client.client_id,
    system_id: systemId,
    name: 'Foobar House',
  });
  const tariff = (price: number) => ({
    type: 'tariffs' as const,
    siteId: 'foobar_house',
    systemId,
    metadata: { currency: 'USD' },
    params: { note: 'tab\there' },
    rows: csvSeriesRows(DATASETS.tariffs, [
      `start_ts,end_ts,import_price\n2026-03-01T00:00:00Z,2026-03-01T06:00:00Z,${price}\n2026-03-01T06:00:00Z,2026-03-02T00:00:00Z,${price * 2}\n`,
    ]),
  });
  const first = await importDataset(db, tariff(20));
  await importDataset(db, { ...tariff(21), supersedes: first.datasetId });
  await sleep(3);
  clocks.push(new Date());
});

/** A table's columns before prices carried their carbon intensity (format 5). */
const before14 = (table: string, columns: string[]) =>
  table === 'price' ? columns.filter((c) => c !== 'g_co2_per_kwh' && c !== 'emissions_kg') : columns;

/** The tables a dump holds since datasets (format 5). */
const DATASET_BLOCKS = [
  ...CLIENT_INFO_ORDER,
  ...DATASET_TYPES.flatMap((type) => [`${type}.metadata`, `${type}.series`]),
] as readonly string[];
const datasetRows = async (db: TestHandle) => ({
  sites: (await db.sql.query('SELECT * FROM client_info.site_info ORDER BY site_info_id')).rows,
  metadata: (await db.sql.query('SELECT * FROM tariffs.metadata ORDER BY created_at')).rows,
  series: (await db.sql.query('SELECT * FROM tariffs.prices ORDER BY dataset_id, start_ts')).rows,
});

/** The runtime's own tables, as a load must reproduce them. */
const RUNTIME_TABLES = [
  ['market_interval', 'resource_id, interval_start'],
  ['meter_failure', 'meter_id'],
] as const;
const runtimeRows = async (db: TestHandle, table: string, order: string) =>
  (await db.sql.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows;
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * A dump rewritten as an earlier format wrote it: `columns(table, current)` names the
 * columns that format held of each table, or null for a table it did not hold.
 */
function downgrade(
  text: string,
  magic: string,
  columns: (table: string, current: string[]) => string[] | null,
) {
  const out = [magic];
  let keep: number[] | null = null;
  let rows = 0;
  for (const line of text.split('\n').slice(1)) {
    if (line.startsWith('TABLE ')) {
      const [, table, list] = line.split(' ');
      const current = list!.split(',');
      const wanted = columns(table!, current);
      keep = wanted === null ? null : wanted.map((c) => current.indexOf(c));
      if (wanted) out.push(`TABLE ${table} ${wanted.join(',')}`);
    } else if (line.startsWith('END ')) {
      out.push(`END ${rows}`, '');
      break;
    } else if (line === '\\.') {
      if (keep) out.push(line);
      keep = null;
    } else if (keep) {
      const fields = line.split('\t');
      out.push(keep.map((i) => fields[i]).join('\t'));
      rows++;
    }
  }
  return out.join('\n');
}

describe('dump and load', () => {
  it('round trip: identical rows, identical find answers at several clocks, DUMP and LOAD logged', async () => {
    const file = join(dir, 'round.tess');
    const progress: string[] = [];
    const result = await dump(source.db, file, (table) => progress.push(table));
    expect(new Set(progress)).toEqual(
      new Set([...TABLE_ORDER, 'market_interval', 'meter_failure', ...GATEWAY_ORDER, ...DATASET_BLOCKS]),
    );
    expect(result.rows.order).toBe(500);
    expect(result.rows['tariffs.series']).toBe(4);

    const target = await openEmpty();
    try {
      const loaded = await load(target.db, file);
      expect(loaded.total).toBe(result.total);
      for (const table of TABLE_ORDER) {
        const want = await allRows(source.db, table);
        let got = await allRows(target.db, table);
        if (table === 'log') {
          // The source logged its DUMP after the snapshot; the target logs the LOAD.
          expect(got.at(-1)).toMatchObject({ event: 'LOAD' });
          got = got.slice(0, -1);
          expect((want as { event: string }[]).filter((r) => r.event === 'DUMP')).toHaveLength(1);
          expect(got).toEqual(want.filter((r) => (r as { event: string }).event !== 'DUMP'));
          expect(got[0]).toMatchObject({ event: 'CREATE' });
        } else {
          expect(got, table).toEqual(want);
        }
      }
      for (const clock of [...clocks, null]) {
        for (const name of ['interval', 'mechanism', 'admin-email']) {
          expect(await target.db.at(clock).config.find({ name })).toBe(
            await source.db.at(clock).config.find({ name }),
          );
        }
      }
      // Sites and datasets, whole: ids, times, params and the correction's reference.
      const datasets = await datasetRows(source.db);
      expect(datasets.metadata).toHaveLength(2);
      expect(await datasetRows(target.db)).toEqual(datasets);
      for (const [table, order] of RUNTIME_TABLES) {
        const want = await runtimeRows(source.db, table, order);
        expect(want.length, table).toBeGreaterThan(0);
        expect(await runtimeRows(target.db, table, order), table).toEqual(want);
      }
      // New rows continue after the loaded ids.
      const next = await target.db.config.set({ name: 'interval', value: '300' });
      const maxSource = Math.max(
        ...((await allRows(source.db, 'config')) as { config_id: number }[]).map((r) => r.config_id),
      );
      expect(next.config_id).toBeGreaterThan(maxSource);
    } finally {
      await target.db.close();
      await target.test.drop();
    }
  });

  it('a file of format 1 (before failures were recorded) still loads', async () => {
    const file = join(dir, 'format2.tess');
    await dump(source.db, file);
    // Format 1 as it was written: no reason column, no meter_failure block, no gateway
    // tables, and the ledger without the gateway's sources.
    const v1Columns = (table: string, columns: string[]): string[] | null => {
      if (
        table === 'meter_failure' ||
        (GATEWAY_ORDER as readonly string[]).includes(table) ||
        DATASET_BLOCKS.includes(table)
      )
        return null;
      return columns.filter(
        (c) => !['reason', 'redemption_id', 'primary_log_id', 'g_co2_per_kwh', 'emissions_kg'].includes(c),
      );
    };
    const old = downgrade(await readFile(file, 'utf8'), 'TESS-DUMP 1', v1Columns);
    const v1 = join(dir, 'format1.tess');
    await writeFile(v1, old);
    const target = await openEmpty();
    try {
      await load(target.db, v1);
      expect(await allRows(target.db, 'order')).toEqual(await allRows(source.db, 'order'));
      const intervals = await runtimeRows(target.db, 'market_interval', 'resource_id, interval_start');
      expect(intervals).toEqual(
        (await runtimeRows(source.db, 'market_interval', 'resource_id, interval_start')).map((r) => ({
          ...r,
          reason: null,
        })),
      );
      expect(await runtimeRows(target.db, 'meter_failure', 'meter_id')).toEqual([]);
    } finally {
      await target.db.close();
      await target.test.drop();
    }
  });

  it('a file of format 3 (before the SMS tables) still loads, with every gateway row', async () => {
    const file = join(dir, 'format4.tess');
    const systemId = await source.db.systemId();
    const iface = await source.db.communication_interface.add({
      system_id: systemId,
      name: 'sms',
      kind: 'log',
    });
    await source.db.message.add({
      system_id: systemId,
      communication_interface_id: iface.communication_interface_id,
      kind: 'incoming',
      phone: '+22376000000',
      body: 'bal.234567',
      state: 'received',
    });
    await dump(source.db, file);
    const gatewayRows = async (db: TestHandle, table: string) =>
      (await db.sql.query(`SELECT * FROM gateway.${table} ORDER BY ${table}_id`)).rows;
    // The current format carries them…
    const fresh = await openEmpty();
    try {
      await load(fresh.db, file);
      expect(await gatewayRows(fresh.db, 'message')).toEqual(await gatewayRows(source.db, 'message'));
    } finally {
      await fresh.db.close();
      await fresh.test.drop();
    }
    const sms = ['communication_interface', 'message', 'message_attempt'];
    const old = downgrade(await readFile(file, 'utf8'), 'TESS-DUMP 3', (table, columns) =>
      sms.includes(table) || DATASET_BLOCKS.includes(table) ? null : before14(table, columns),
    );
    const v3 = join(dir, 'format3.tess');
    await writeFile(v3, old);
    const target = await openEmpty();
    try {
      await load(target.db, v3);
      // …and format 3 loads without them.
      expect(await allRows(target.db, 'order')).toEqual(await allRows(source.db, 'order'));
      expect(await allRows(target.db, 'transaction')).toEqual(await allRows(source.db, 'transaction'));
      expect(await gatewayRows(target.db, 'communication_interface')).toEqual([]);
      expect(await gatewayRows(target.db, 'message')).toEqual([]);
    } finally {
      await target.db.close();
      await target.test.drop();
    }
  });

  it('a file of format 4 (before datasets) still loads, with no sites or datasets', async () => {
    const file = join(dir, 'format5.tess');
    await dump(source.db, file);
    const old = downgrade(await readFile(file, 'utf8'), 'TESS-DUMP 4', (table, columns) =>
      DATASET_BLOCKS.includes(table) ? null : before14(table, columns),
    );
    const v4 = join(dir, 'format4.tess');
    await writeFile(v4, old);
    const target = await openEmpty();
    try {
      await load(target.db, v4);
      expect(await allRows(target.db, 'order')).toEqual(await allRows(source.db, 'order'));
      expect(await datasetRows(target.db)).toEqual({ sites: [], metadata: [], series: [] });
      // Prices as format 4 held them: without their carbon intensity.
      const prices = (await allRows(target.db, 'price')) as { g_co2_per_kwh: number | null }[];
      expect(prices.map((p) => p.g_co2_per_kwh)).toEqual([null]);
    } finally {
      await target.db.close();
      await target.test.drop();
    }
  });

  it('refuses a database that holds data, and a damaged file, leaving nothing behind', async () => {
    const file = join(dir, 'refuse.tess');
    await dump(source.db, file);
    await expect(load(source.db, file)).rejects.toMatchObject({
      code: ErrorCode.NOT_EMPTY,
      message: expect.stringMatching(
        /^cannot load into a database that holds data: table system has \d+ rows$/,
      ),
    });

    const text = await readFile(file, 'utf8');
    const damaged = join(dir, 'damaged.tess');
    await writeFile(damaged, text.replace(/\nEND \d+\n$/, '\n'));
    const target = await openEmpty();
    try {
      const logBefore = await allRows(target.db, 'log');
      await expect(load(target.db, damaged)).rejects.toThrow(
        /is not a TESS dump: expected "END \d+" after the last table/,
      );
      for (const table of TABLE_ORDER) {
        expect(await allRows(target.db, table), table).toEqual(table === 'log' ? logBefore : []);
      }
      await writeFile(damaged, 'hello\n');
      await expect(load(target.db, damaged)).rejects.toThrow(
        `is not a TESS dump: the first line is not "TESS-DUMP 5" (or an earlier format's)`,
      );
    } finally {
      await target.db.close();
      await target.test.drop();
    }
  });

  it('a dump to a path that cannot be written is one line, and leaves nothing', async () => {
    const file = join(dir, 'no-such-folder', 'x.tess');
    const d = await tess(['dump', file], { env: { DATABASE_URL: source.test.url } });
    expect(d.code).toBe(1);
    expect(d.stderr).toBe(`tess: cannot write ${file}: ENOENT\n`);
    const ok = join(dir, 'whole.tess');
    await dump(source.db, ok);
    // Written under a temporary name and renamed when whole.
    expect((await readdir(dir)).filter((f) => f.startsWith('whole'))).toEqual(['whole.tess']);
  });

  it('`tess dump FILE` and `tess load FILE`', async () => {
    const file = join(dir, 'cli.tess');
    const d = await tess(['dump', file], { env: { DATABASE_URL: source.test.url } });
    expect(d.stderr).toBe('');
    expect(d.stdout).toMatch(/^dumped \d+ rows to .*cli\.tess\n$/);
    const target = await openEmpty();
    try {
      const l = await tess(['load', file], { env: { DATABASE_URL: target.test.url } });
      expect(l.stdout).toMatch(/^loaded \d+ rows from .*cli\.tess\n$/);
      expect(await allRows(target.db, 'order')).toEqual(await allRows(source.db, 'order'));
      const again = await tess(['load', file], { env: { DATABASE_URL: target.test.url } });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(
        /^tess: cannot load into a database that holds data: table system has \d+ rows\n$/,
      );
    } finally {
      await target.db.close();
      await target.test.drop();
    }
  });

  it('`tess load FILE` into a database that does not exist yet creates and migrates it first', async () => {
    const file = join(dir, 'fresh.tess');
    const d = await tess(['dump', file], { env: { DATABASE_URL: source.test.url } });
    expect(d.code).toBe(0);
    // Under the run's prefix, so the run's teardown drops it whatever happens here.
    const url = serverUrl(`${inject('runPrefix')}fresh_${randomBytes(4).toString('hex')}`);
    const l = await tess(['load', file], { env: { DATABASE_URL: url } });
    expect(l.stderr).toBe('');
    expect(l.code).toBe(0);
    expect(l.stdout).toMatch(
      /^created database "[^"]+" \(it did not exist\)\nloaded \d+ rows from .*fresh\.tess\n$/,
    );
    const target = await openTestHandle(url, { system: 'dumped' });
    try {
      for (const table of TABLE_ORDER) {
        if (table === 'log') continue;
        expect(await allRows(target, table), table).toEqual(await allRows(source.db, table));
      }
      // The log is the source's up to the snapshot (its DUMP is logged after), then the LOAD.
      const want = (await allRows(source.db, 'log')) as { event: string }[];
      const got = (await allRows(target, 'log')) as { event: string }[];
      expect(want.at(-1)).toMatchObject({ event: 'DUMP', message: expect.stringContaining('fresh.tess') });
      expect(got.at(-1)).toMatchObject({ event: 'LOAD' });
      expect(got.slice(0, -1)).toEqual(want.slice(0, -1));
      // Price history reads the same from the aggregates (materialized by the load) as from prices.
      const range = {
        resourceId: (await target.resource.find({ system_id: await target.systemId(), name: 'capacity' }))!,
        from: new Date('2026-02-28T00:00:00Z'),
        to: new Date('2026-03-03T00:00:00Z'),
        asof: null,
      };
      const aggregates = (await readStorageMode(target.sql)).kind === 'timescaledb';
      const buckets = await priceBuckets(target.sql, range, 86_400, aggregates);
      expect(buckets).toHaveLength(1);
      expect(buckets).toEqual(await priceBuckets(target.sql, range, 86_400, false));
      // Loading again is refused: the database now holds data.
      const again = await tess(['load', file], { env: { DATABASE_URL: url } });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(
        /^tess: cannot load into a database that holds data: table system has \d+ rows\n$/,
      );
    } finally {
      await target.close();
    }
  });
});
