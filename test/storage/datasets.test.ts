import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvSeriesRows, DATASETS, type PlacedRow } from '../../engine/datasets/index.js';
import { getDataset, importDataset, listDatasets, readWindow, valueAt } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

let n = 0;
/** A fresh system with a client and the site `foobar_house_<n>`. */
async function site() {
  const system = await t.db.system.add({ name: `datasets-${++n}` });
  const client = await t.db.clients.add({ system_id: system.system_id, name: 'Foobar Ltd' });
  const s = await t.db.site_info.add({
    site_id: `foobar_house_${n}`,
    client_id: client.client_id,
    system_id: system.system_id,
    name: 'Foobar House',
  });
  return { systemId: system.system_id, siteId: s.site_id };
}

/** Five-minute weather rows from T0: temperature i, with the rows listed in `skip` left out (gaps). */
function weatherCsv(count: number, skip: readonly number[] = []): string {
  const lines = ['start_ts,end_ts,air_temperature'];
  for (let i = 0; i < count; i++) {
    if (skip.includes(i)) continue;
    lines.push(`${iso(T0 + i * 5 * MIN)},${iso(T0 + (i + 1) * 5 * MIN)},${i}`);
  }
  return `${lines.join('\n')}\n`;
}

const importCsv = (
  s: { systemId: number; siteId: string },
  csv: string,
  type: 'weather' | 'tariffs' = 'weather',
  extra = {},
) =>
  importDataset(t.db, {
    type,
    siteId: s.siteId,
    systemId: s.systemId,
    rows: csvSeriesRows(DATASETS[type], [csv]),
    ...extra,
  });

/** How many weather datasets a site has, and rows in them. */
const datasetsOf = async (siteId: string) =>
  (
    await t.db.sql.query(
      `SELECT count(*)::int AS datasets,
              (SELECT count(*)::int FROM weather.observations o JOIN weather.metadata m USING (dataset_id)
               WHERE m.site_id = $1) AS rows
       FROM weather.metadata WHERE site_id = $1`,
      [siteId],
    )
  ).rows[0];

describe('importing a dataset', () => {
  it('stores every row under a new UUIDv4, reports the span and the gaps, and reads back by window and instant', async () => {
    const s = await site();
    const result = await importCsv(s, weatherCsv(12, [4, 5, 9]));
    expect(result.datasetId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.coverage).toEqual({
      rows: 9,
      from: T0,
      to: T0 + 60 * MIN,
      gapCount: 2,
      gaps: [
        { from: T0 + 20 * MIN, to: T0 + 30 * MIN },
        { from: T0 + 45 * MIN, to: T0 + 50 * MIN },
      ],
    });
    const [listed] = await listDatasets(t.db, 'weather', { systemId: s.systemId, limit: 10 });
    expect(listed).toMatchObject({
      dataset_id: result.datasetId,
      site_id: s.siteId,
      rows: 9,
      supersedes: null,
    });
    expect(listed!.from).toEqual(new Date(T0));
    expect(listed!.to).toEqual(new Date(T0 + 60 * MIN));
    // A window takes the rows that overlap it, in time order.
    const window = await readWindow(t.db, 'weather', result.datasetId, {
      from: new Date(T0 + 7 * MIN),
      to: new Date(T0 + 15 * MIN),
      after: null,
      limit: 100,
    });
    expect(window.map((r) => r['air_temperature'])).toEqual([1, 2]);
    // The value in force: start inclusive, end exclusive; nothing in a gap or outside.
    const at = async (ms: number) =>
      (await valueAt(t.db, 'weather', result.datasetId, new Date(ms)))?.['air_temperature'] ?? null;
    expect(await at(T0)).toBe(0);
    expect(await at(T0 + 5 * MIN - 1)).toBe(0);
    expect(await at(T0 + 5 * MIN)).toBe(1);
    expect(await at(T0 + 20 * MIN)).toBeNull();
    expect(await at(T0 + 30 * MIN)).toBe(6);
    expect(await at(T0 - 1)).toBeNull();
    expect(await at(T0 + 60 * MIN)).toBeNull();
  });

  it('stores nothing when a row is bad, and names its line and column (every bad line, up to twenty)', async () => {
    const s = await site();
    const csv = weatherCsv(10).replace(`,${3}\n`, ',hot\n').replace(`,${6}\n`, ',999\n');
    await expect(importCsv(s, csv)).rejects.toThrow(
      /^line 5, column air_temperature: "hot" is not a number; line 8, column air_temperature: 999 is not in -100\.\.70$/,
    );
    await expect(importCsv(s, 'start_ts,end_ts,air_temprature\n')).rejects.toThrow(
      /line 1, column 3: "air_temprature" is not a column of weather/,
    );
    await expect(
      importCsv(s, 'start_ts,end_ts,air_temperature\n2026-01-01T00:00:00,2026-01-01T00:05:00Z,1\n'),
    ).rejects.toThrow(/line 2, column start_ts: "2026-01-01T00:00:00" is not a time with a zone/);
    await expect(importCsv(s, 'start_ts,end_ts,air_temperature\n')).rejects.toThrow(
      'the dataset has no rows',
    );
    expect(await datasetsOf(s.siteId)).toEqual({ datasets: 0, rows: 0 });
  });

  it('refuses overlapping rows, naming both, in the file and in the database', async () => {
    const s = await site();
    const csv = `${weatherCsv(3)}${iso(T0 + 7 * MIN)},${iso(T0 + 8 * MIN)},7\n`;
    await expect(importCsv(s, csv)).rejects.toThrow(
      /^line 5: \[2026-01-01T00:07:00\.000Z, 2026-01-01T00:08:00\.000Z\) overlaps line 3's \[2026-01-01T00:05:00\.000Z, 2026-01-01T00:10:00\.000Z\)$/,
    );
    // Around the import: the database itself refuses a dataset whose rows overlap, at commit.
    const client = await t.db.sql.connect();
    try {
      await client.query('BEGIN');
      const id = '6f1c7a52-7a3e-4b39-9a47-6d1f8f2b0c11';
      await client.query('INSERT INTO weather.metadata (dataset_id, site_id) VALUES ($1, $2)', [
        id,
        s.siteId,
      ]);
      await client.query(
        `INSERT INTO weather.observations (dataset_id, start_ts, end_ts, wind_speed)
         VALUES ($1, $2, $3, 1), ($1, $4, $5, 2)`,
        [id, iso(T0), iso(T0 + 10 * MIN), iso(T0 + 5 * MIN), iso(T0 + 15 * MIN)],
      );
      await expect(client.query('COMMIT')).rejects.toMatchObject({ code: 'TS014' });
    } finally {
      client.release();
    }
    expect(await datasetsOf(s.siteId)).toEqual({ datasets: 0, rows: 0 });
  });

  it('is immutable: no row added later, none changed or removed', async () => {
    const s = await site();
    const { datasetId } = await importCsv(s, weatherCsv(2));
    await expect(
      t.db.sql.query(
        'INSERT INTO weather.observations (dataset_id, start_ts, end_ts, wind_speed) VALUES ($1, $2, $3, 1)',
        [datasetId, iso(T0 + 60 * MIN), iso(T0 + 65 * MIN)],
      ),
    ).rejects.toMatchObject({ code: 'TS001' });
    await expect(t.db.sql.query('UPDATE weather.observations SET wind_speed = 2')).rejects.toMatchObject({
      code: 'TS001',
    });
    await expect(t.db.sql.query('DELETE FROM weather.metadata')).rejects.toMatchObject({ code: 'TS001' });
    expect((await getDataset(t.db, 'weather', datasetId, s.systemId))?.rows).toBe(2);
  });

  it('a correction is a new dataset that supersedes the old one, of the same site', async () => {
    const s = await site();
    const other = await site();
    const old = await importCsv(s, weatherCsv(2));
    // Written a few milliseconds apart, so a clock between them reads only the first.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(importCsv(other, weatherCsv(2), 'weather', { supersedes: old.datasetId })).rejects.toThrow(
      `supersedes: dataset ${old.datasetId} is of site ${s.siteId}, not ${other.siteId}`,
    );
    const fixed = await importCsv(s, weatherCsv(3), 'weather', {
      supersedes: old.datasetId,
      params: { source: 'station 7', fix: 'row 3' },
    });
    const listed = await listDatasets(t.db, 'weather', { systemId: s.systemId, siteId: s.siteId, limit: 10 });
    expect(listed.map((d) => [d.dataset_id, d.supersedes, d.superseded_by])).toEqual([
      [fixed.datasetId, old.datasetId, []],
      [old.datasetId, null, [fixed.datasetId]],
    ]);
    expect(listed[0]!.params).toEqual({ source: 'station 7', fix: 'row 3' });
    // As of before the correction, only the old one, superseded by nothing yet.
    const between = new Date(listed[1]!.created_at.getTime() + 1);
    const before = await listDatasets(t.db.at(between), 'weather', {
      systemId: s.systemId,
      limit: 10,
    });
    expect(before.map((d) => [d.dataset_id, d.superseded_by])).toEqual([[old.datasetId, []]]);
  });

  it("needs the importer's own site, and a tariff's currency", async () => {
    const s = await site();
    const other = await site();
    await expect(importCsv({ ...s, siteId: 'nowhere' }, weatherCsv(1))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'site nowhere not found',
    });
    await expect(
      importCsv({ systemId: s.systemId, siteId: other.siteId }, weatherCsv(1)),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(importCsv({ ...s, siteId: 'Foobar House' }, weatherCsv(1))).rejects.toThrow(
      /e\.g\. "foobar_house"/,
    );
    const tariff = `start_ts,end_ts,import_price\n${iso(T0)},${iso(T0 + 60 * MIN)},42.5\n`;
    await expect(importCsv(s, tariff, 'tariffs')).rejects.toThrow('currency: required for tariffs');
    const ok = await importCsv(s, tariff, 'tariffs', { metadata: { currency: 'USD' } });
    const [listed] = await listDatasets(t.db, 'tariffs', { systemId: s.systemId, limit: 1 });
    expect(listed).toMatchObject({
      dataset_id: ok.datasetId,
      metadata: { currency: 'USD', energy_unit: 'MWh' },
    });
    expect(await listDatasets(t.db, 'tariffs', { systemId: other.systemId, limit: 1 })).toEqual([]);
  });
});

describe('the value in force at an instant', () => {
  it('is the row with start_ts <= t < end_ts, at every boundary, as a search of the rows finds it', async () => {
    const s = await site();
    // Rows of random lengths with random gaps, minutes apart.
    const spec = fc.array(
      fc.record({ gap: fc.integer({ min: 0, max: 3 }), len: fc.integer({ min: 1, max: 4 }) }),
      {
        minLength: 1,
        maxLength: 12,
      },
    );
    await fc.assert(
      fc.asyncProperty(
        spec,
        fc.array(fc.integer({ min: -2, max: 60 }), { maxLength: 10 }),
        async (shape, probes) => {
          const rows: PlacedRow[] = [];
          let at = T0;
          for (const [i, r] of shape.entries()) {
            at += r.gap * MIN;
            rows.push({ start: at, end: at + r.len * MIN, values: [i, null, null], place: `rows[${i}]` });
            at += r.len * MIN;
          }
          const { datasetId } = await importDataset(t.db, {
            type: 'weather',
            siteId: s.siteId,
            systemId: s.systemId,
            rows,
          });
          // Every boundary, a millisecond either side of it, and the random probes.
          const instants = [
            ...rows.flatMap((r) => [r.start, r.end, r.start - 1, r.end - 1]),
            ...probes.map((p) => T0 + p * MIN),
          ];
          for (const ms of instants) {
            const want = rows.find((r) => r.start <= ms && ms < r.end)?.values[0] ?? null;
            const got =
              (await valueAt(t.db, 'weather', datasetId, new Date(ms)))?.['air_temperature'] ?? null;
            expect(got, `at ${iso(ms)}`).toBe(want);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
