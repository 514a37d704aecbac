import { beforeAll, describe, expect, it } from 'vitest';
import { call, type People, seedPeople, useApi } from './helpers.js';

const api = useApi();
let p: People;
const BASE = '/api/v1';
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** `count` five-minute rows of `column` from T0, value i; the rows of `skip` left out. */
function csv(count: number, column = 'air_temperature', skip: readonly number[] = []): string {
  const lines = [`start_ts,end_ts,${column}`];
  for (let i = 0; i < count; i++) {
    if (!skip.includes(i)) lines.push(`${iso(T0 + i * 5 * MIN)},${iso(T0 + (i + 1) * 5 * MIN)},${i}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

const postCsv = (type: string, query: string, body: string, token = p.tokens.operator) =>
  call(api.app, 'POST', `${BASE}/datasets/${type}?${query}`, {
    token,
    body,
    headers: { 'content-type': 'text/csv' },
  });

beforeAll(async () => {
  p = await seedPeople(api.db);
  const client = await call(api.app, 'POST', `${BASE}/clients`, {
    token: p.tokens.operator,
    body: { name: 'Foobar Ltd' },
  });
  expect(client.statusCode, client.body).toBe(201);
  const site = await call(api.app, 'POST', `${BASE}/sites`, {
    token: p.tokens.operator,
    body: {
      site_id: 'foobar_house',
      client_id: client.data.client_id,
      name: 'Foobar House',
      time_zone: 'Europe/London',
    },
  });
  expect(site.statusCode, site.body).toBe(201);
});

describe('clients and sites', () => {
  it('take seed 002 site ids, real time zones and coordinates, and clients of the same system', async () => {
    const post = (body: unknown) =>
      call(api.app, 'POST', `${BASE}/sites`, { token: p.tokens.operator, body });
    const [client] = (await call(api.app, 'GET', `${BASE}/clients`, { token: p.tokens.operator })).data.items;
    const base = { client_id: client.client_id, name: 'Quux Barn' };
    expect((await post({ ...base, site_id: 'Quux Barn' })).data.error).toMatchObject({
      code: 'INVALID',
      message: expect.stringContaining('(e.g. "quux_barn")'),
    });
    expect((await post({ ...base, site_id: 'quux_barn', time_zone: 'Mars/Olympus' })).statusCode).toBe(400);
    expect((await post({ ...base, site_id: 'quux_barn', latitude: 91 })).data.error.message).toBe(
      'body.latitude must be from -90 to 90, not 91',
    );
    const other = await api.db.system.add({ name: `${api.system}-other` });
    const foreign = await api.db.clients.add({ system_id: other.system_id, name: 'Elsewhere' });
    expect(
      (await post({ ...base, client_id: foreign.client_id, site_id: 'quux_barn' })).data.error.message,
    ).toBe(`body.client_id: client ${foreign.client_id} is not a client of this system`);
    expect((await post({ ...base, site_id: 'quux_barn' })).statusCode).toBe(201);
    const changed = await call(api.app, 'PUT', `${BASE}/sites`, {
      token: p.tokens.operator,
      body: { site_id: 'quux_barn', address: '1 Farm Lane' },
    });
    expect(changed.data).toMatchObject({ site_id: 'quux_barn', address: '1 Farm Lane', name: 'Quux Barn' });
    const found = await call(api.app, 'GET', `${BASE}/sites?site_id=quux_barn`, {
      token: p.tokens.accounting,
    });
    expect(found.data).toMatchObject({ address: '1 Farm Lane' });
    expect((await call(api.app, 'GET', `${BASE}/sites`, { token: p.tokens.customer })).statusCode).toBe(403);
  });
});

describe('importing datasets', () => {
  it('streams a CSV into a new dataset and tells its span and gaps', async () => {
    const res = await postCsv(
      'weather',
      'site=foobar_house&params=%7B%22station%22%3A7%7D',
      csv(12, 'air_temperature', [3]),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.data).toEqual({
      dataset_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'weather',
      site_id: 'foobar_house',
      rows: 11,
      from: iso(T0),
      to: iso(T0 + 60 * MIN),
      gap_count: 1,
      gaps: [{ from: iso(T0 + 15 * MIN), to: iso(T0 + 20 * MIN) }],
    });
    const id = res.data.dataset_id;
    const read = await call(
      api.app,
      'GET',
      `${BASE}/datasets/weather/${id}?from=${iso(T0 + 6 * MIN)}&to=${iso(T0 + 10 * MIN)}`,
      {
        token: p.tokens.accounting,
      },
    );
    expect(read.data.dataset).toMatchObject({
      dataset_id: id,
      params: { station: 7 },
      rows: 11,
      units: { air_temperature: '°C' },
    });
    expect(read.data.rows).toEqual([
      {
        start_ts: iso(T0 + 5 * MIN),
        end_ts: iso(T0 + 10 * MIN),
        air_temperature: 1,
        solar_radiation: null,
        wind_speed: null,
      },
    ]);
    const at = async (ms: number) =>
      (
        await call(api.app, 'GET', `${BASE}/datasets/weather/${id}?at=${iso(ms)}`, {
          token: p.tokens.operator,
        })
      ).data.rows.map((r: { air_temperature: number }) => r.air_temperature);
    expect(await at(T0 + 10 * MIN)).toEqual([2]);
    expect(await at(T0 + 15 * MIN - 1)).toEqual([2]);
    expect(await at(T0 + 15 * MIN)).toEqual([]);
    expect(await at(T0 + 20 * MIN)).toEqual([4]);
  });

  it('stores nothing from a file with a bad row, naming line and column', async () => {
    const before = (
      await call(api.app, 'GET', `${BASE}/datasets/carbon_intensity`, { token: p.tokens.operator })
    ).data.items;
    const bad = csv(6, 'g_co2_per_kwh').replace(`,${4}\r\n`, ',-3\r\n');
    const res = await postCsv('carbon_intensity', 'site=foobar_house', bad);
    expect(res.statusCode).toBe(400);
    expect(res.data.error).toEqual({
      code: 'INVALID',
      message: 'line 6, column g_co2_per_kwh: -3 is not in 0..5000',
    });
    const overlap = `${csv(2, 'g_co2_per_kwh')}${iso(T0 + 9 * MIN)},${iso(T0 + 11 * MIN)},1\r\n`;
    expect((await postCsv('carbon_intensity', 'site=foobar_house', overlap)).data.error.message).toMatch(
      /^line 4: \[.*\) overlaps line 3's \[/,
    );
    expect((await postCsv('carbon_intensity', 'site=nowhere', csv(2, 'g_co2_per_kwh'))).statusCode).toBe(404);
    expect(
      (await postCsv('carbon_intensity', 'site=foobar_house&currency=USD', csv(2, 'g_co2_per_kwh'))).data
        .error.message,
    ).toBe('currency: not metadata of carbon_intensity');
    expect(
      (await call(api.app, 'GET', `${BASE}/datasets/carbon_intensity`, { token: p.tokens.operator })).data
        .items,
    ).toEqual(before);
  });

  it('takes small datasets as JSON, with the metadata in the body', async () => {
    const body = {
      site: 'foobar_house',
      currency: 'GBP',
      energy_unit: 'kWh',
      rows: [
        { start_ts: iso(T0), end_ts: iso(T0 + 420 * MIN), import_price: 0.08, export_price: 0.04 },
        { start_ts: iso(T0 + 420 * MIN), end_ts: iso(T0 + 1440 * MIN), import_price: '0.25' },
      ],
    };
    const res = await call(api.app, 'POST', `${BASE}/datasets/tariffs`, { token: p.tokens.operator, body });
    expect(res.statusCode, res.body).toBe(201);
    const listed = await call(api.app, 'GET', `${BASE}/datasets/tariffs?site=foobar_house`, {
      token: p.tokens.operator,
    });
    expect(listed.data.items[0]).toMatchObject({
      dataset_id: res.data.dataset_id,
      metadata: { currency: 'GBP', energy_unit: 'kWh' },
      rows: 2,
    });
    const wrong = await call(api.app, 'POST', `${BASE}/datasets/tariffs`, {
      token: p.tokens.operator,
      body: { ...body, rows: [{ start_ts: iso(T0), end_ts: iso(T0 + MIN), import_price: 'NaN' }] },
    });
    expect(wrong.data.error.message).toBe('rows[0].import_price: "NaN" is not a number');
    const noRows = await call(api.app, 'POST', `${BASE}/datasets/tariffs`, {
      token: p.tokens.operator,
      body: { site: 'foobar_house' },
    });
    expect(noRows.statusCode).toBe(400);
    expect(
      (await call(api.app, 'POST', `${BASE}/datasets/wind`, { token: p.tokens.operator, body })).statusCode,
    ).toBe(400);
  });

  it('answers as of a time: a dataset did not exist before it was imported', async () => {
    const before = new Date();
    const res = await postCsv('renewables', 'site=foobar_house', csv(3, 'generation_kwh'));
    const id = res.data.dataset_id;
    const then = await call(api.app, 'GET', `${BASE}/datasets/renewables?asof=${before.toISOString()}`, {
      token: p.tokens.operator,
    });
    expect(then.data.items.map((d: { dataset_id: string }) => d.dataset_id)).not.toContain(id);
    expect(
      (
        await call(api.app, 'GET', `${BASE}/datasets/renewables/${id}?asof=${before.toISOString()}`, {
          token: p.tokens.operator,
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await call(api.app, 'GET', `${BASE}/datasets/renewables/${id}`, { token: p.tokens.operator })).data
        .dataset.rows,
    ).toBe(3);
  });

  it('is for operators: accounting reads, customers and devices neither, nobody without a token', async () => {
    expect(
      (await postCsv('heating', 'site=foobar_house', csv(1, 'heat_demand_kwh'), p.tokens.accounting))
        .statusCode,
    ).toBe(403);
    expect(
      (await postCsv('heating', 'site=foobar_house', csv(1, 'heat_demand_kwh'), p.tokens.customer))
        .statusCode,
    ).toBe(403);
    expect(
      (await call(api.app, 'GET', `${BASE}/datasets/heating`, { token: p.tokens.device })).statusCode,
    ).toBe(403);
    expect((await call(api.app, 'GET', `${BASE}/datasets/heating`)).statusCode).toBe(401);
    expect(
      (await call(api.app, 'GET', `${BASE}/datasets/heating`, { token: p.tokens.accounting })).statusCode,
    ).toBe(200);
  });

  it('streams a large CSV sent in chunks over a real connection', async () => {
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const rows = 20_000;
      async function* body() {
        yield 'start_ts,end_ts,consumption_kwh\n';
        for (let i = 0; i < rows; i += 1000) {
          let chunk = '';
          for (let j = i; j < i + 1000; j++)
            chunk += `${iso(T0 + j * 5 * MIN)},${iso(T0 + (j + 1) * 5 * MIN)},${(j % 7) / 10}\n`;
          yield chunk;
        }
      }
      const res = await fetch(`${address}${BASE}/datasets/client_meters?site=foobar_house`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.tokens.operator}`, 'content-type': 'text/csv' },
        body: ReadableStream.from(body()),
        duplex: 'half',
      } as RequestInit);
      const answer = (await res.json()) as { rows: number; gap_count: number };
      expect(res.status, JSON.stringify(answer)).toBe(201);
      expect(answer).toMatchObject({ rows, gap_count: 0 });
    } finally {
      await api.app.server.close();
    }
  });
});
