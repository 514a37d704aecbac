import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tess } from '../helpers/cli.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const env = () => ({ DATABASE_URL: t.test.url });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tess-dataset-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tess site add, tess dataset import and list, tess dump --sql', () => {
  it('adds a site, imports a CSV (the id on standard output), refuses a bad file whole, and writes the client data', async () => {
    const bad = await tess(
      ['site', 'add', '--site', 'Kati Clinic', '--name', 'Kati Clinic', '--client', 'Kati'],
      { env: env() },
    );
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^tess: --site must be lower-case words .* \(e\.g\. "kati_clinic"\)\n$/);
    const site = await tess(
      [
        'site',
        'add',
        '--site',
        'kati_clinic',
        '--name',
        'Kati Clinic',
        '--client',
        'Kati',
        '--time-zone',
        'Africa/Bamako',
      ],
      { env: env() },
    );
    expect(site).toMatchObject({ code: 0, stdout: 'site kati_clinic (Kati Clinic) of client Kati\n' });

    const file = join(dir, 'ci.csv');
    await writeFile(
      file,
      'start_ts,end_ts,g_co2_per_kwh\n2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,420\n2026-01-01T02:00:00Z,2026-01-01T03:00:00Z,380\n',
    );
    const imported = await tess(
      ['dataset', 'import', '--type', 'carbon_intensity', '--site', 'kati_clinic', file],
      { env: env() },
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\n$/);
    expect(imported.stderr).toContain(
      ': 2 rows over [2026-01-01T00:00:00.000Z, 2026-01-01T03:00:00.000Z), 1 gap: 2026-01-01T01:00:00.000Z–2026-01-01T02:00:00.000Z',
    );
    await writeFile(file, 'start_ts,end_ts,g_co2_per_kwh\n2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,lots\n');
    const refused = await tess(
      ['dataset', 'import', '--type', 'carbon_intensity', '--site', 'kati_clinic', file],
      { env: env() },
    );
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'tess: line 2, column g_co2_per_kwh: "lots" is not a number\n',
    });
    expect(
      (await tess(['dataset', 'import', '--type', 'co2', '--site', 'kati_clinic', file], { env: env() }))
        .stderr,
    ).toMatch(/^tess: --type must be one of tariffs, weather/);
    const listed = await tess(['dataset', 'list', '--type', 'carbon_intensity'], { env: env() });
    expect(listed.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(listed.stdout).toContain(`${imported.stdout.trim()}  kati_clinic  `);

    // Client data: the up file where asked, its down beside it; nowhere to put the down is refused.
    const upFile = join(dir, '999999_client_data.up.sql');
    const dumped = await tess(['dump', '--sql', '--tables', 'client_info,carbon_intensity', upFile], {
      env: env(),
    });
    expect(dumped.code, dumped.stderr).toBe(0);
    expect(dumped.stderr).toMatch(/^client data: 1 site version, 1 dataset, 2 rows/);
    expect(await readFile(upFile, 'utf8')).toMatch(
      /^-- TESS client data[\s\S]*\nBEGIN;\n[\s\S]*\nCOMMIT;\n$/,
    );
    expect(await readFile(join(dir, '999999_client_data.down.sql'), 'utf8')).toMatch(
      /DELETE FROM "carbon_intensity"\.metadata/,
    );
    expect(
      (await tess(['dump', '--sql', '--tables', 'clients,weather', upFile], { env: env() })).stderr,
    ).toBe(
      'tess: --tables: "clients" is neither client_info nor a dataset type (tariffs, weather, carbon_intensity, renewables, client_meters, heating)\n',
    );
    expect((await tess(['dump', '--sql', join(dir, 'data.sql')], { env: env() })).stderr).toMatch(
      /name the down file with --down FILE/,
    );
    expect((await tess(['dump', '--tables', 'weather', join(dir, 'x.tess')], { env: env() })).stderr).toBe(
      'tess: --tables and --down go with --sql; a dump holds every table\n',
    );
  });
});
