import { type SampleType, sampleRows, suggestSiteId } from '../../engine/datasets/index.js';
import { currentSite, type Database, importDataset, valueAt } from '../../storage/index.js';

/**
 * The datasets that drive `tess demo`, generated from the sample formulas
 * (engine/datasets/samples.ts) and imported for a site of the demo's system, with the
 * system's config naming them: `weather` (the HVAC agents' outdoor temperature),
 * `wholesale-tariff` (the feeder's offer), `pv-forecast` (the PV agents' output) and
 * `carbon-intensity` (recorded with each cleared price by the runtime). Time-lapsed like
 * the demo's agents: each row is one market interval long and stands for half an hour
 * of the simulated day, so a short demo walks through a day's weather and tariff.
 */

/** What a system's config names each dataset by, with its type. */
const USES = [
  ['weather', 'weather'],
  ['wholesale-tariff', 'tariffs'],
  ['pv-forecast', 'renewables'],
  ['carbon-intensity', 'carbon_intensity'],
] as const satisfies readonly (readonly [string, SampleType])[];

/** What the datasets say of one interval; null where a dataset has no row then. */
export interface IntervalData {
  readonly outdoor: number | null;
  readonly wholesale: number | null;
  readonly sun: number | null;
  readonly carbon: number | null;
}

export interface DemoDatasets {
  readonly siteId: string;
  /** Dataset ids by config name. */
  readonly ids: Readonly<Record<(typeof USES)[number][0], string>>;
  /** What the datasets say of the interval starting at `start`. */
  at(start: Date): Promise<IntervalData>;
}

/** A site of the system for the demo's data: its feeder, named after the system. */
async function demoSite(db: Database, system: string, systemId: number): Promise<string> {
  const base = `${suggestSiteId(system) ?? 'demo'}_feeder`;
  for (const siteId of [base, `${base}_${systemId}`]) {
    const site = await currentSite(db, siteId);
    if (site?.system_id === systemId) return siteId;
    if (site) continue;
    const existing = await db.clients.find({ system_id: systemId, name: 'demo utility' });
    const client =
      existing ?? (await db.clients.add({ system_id: systemId, name: 'demo utility' })).client_id;
    await db.site_info.add({
      site_id: siteId,
      client_id: client,
      system_id: systemId,
      name: `${system} feeder`,
    });
    return siteId;
  }
  throw new Error(`no site id free for the demo's feeder (${base}, ${base}_${systemId})`);
}

/**
 * Generates and imports the demo's datasets for `rows` intervals of `intervalSeconds`
 * from `from`, the first standing for the simulated hour `startHour`, and names them in
 * the system's config.
 */
export async function openDemoDatasets(
  db: Database,
  options: {
    readonly system: string;
    readonly from: number;
    readonly rows: number;
    readonly intervalSeconds: number;
    readonly startHour: number;
    readonly hoursPerInterval: number;
  },
): Promise<DemoDatasets> {
  const systemId = await db.systemId();
  const siteId = await demoSite(db, options.system, systemId);
  const ids = {} as Record<(typeof USES)[number][0], string>;
  for (const [name, type] of USES) {
    const { datasetId } = await importDataset(db, {
      type,
      siteId,
      systemId,
      params: {
        generator: 'tess demo',
        formulas: 'README, Datasets: sample data',
        time_lapse: `${options.hoursPerInterval} h of the simulated day per ${options.intervalSeconds} s interval`,
      },
      ...(type === 'tariffs' ? { metadata: { currency: 'USD', energy_unit: 'MWh' } } : {}),
      rows: sampleRows(type, {
        from: options.from,
        rows: options.rows,
        rowMs: options.intervalSeconds * 1000,
        startHour: options.startHour,
        hoursPerRow: options.hoursPerInterval,
      }),
    });
    ids[name] = datasetId;
    if (await db.config.find({ name })) await db.config.set({ name, value: datasetId });
    else await db.config.add({ name, value: datasetId });
  }
  const column = (row: Record<string, unknown> | null, name: string) =>
    row === null ? null : (row[name] as number | null);
  return {
    siteId,
    ids,
    async at(start) {
      const [weather, tariff, pv, carbon] = await Promise.all([
        valueAt(db, 'weather', ids.weather, start),
        valueAt(db, 'tariffs', ids['wholesale-tariff'], start),
        valueAt(db, 'renewables', ids['pv-forecast'], start),
        valueAt(db, 'carbon_intensity', ids['carbon-intensity'], start),
      ]);
      // A kWp's output over the row, per hour of the simulated half hour it stands for: the sun's share of peak.
      const output = column(pv, 'generation_kwh');
      return {
        outdoor: column(weather, 'air_temperature'),
        wholesale: column(tariff, 'import_price'),
        sun: output === null ? null : Math.min(1, output / (0.8 * options.hoursPerInterval)),
        carbon: column(carbon, 'g_co2_per_kwh'),
      };
    },
  };
}
