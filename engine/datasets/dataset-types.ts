/**
 * The types of dataset (seed 002): each a PostgreSQL schema with a `metadata` table and
 * one series table (migration 13), whose rows cover start_ts <= t < end_ts. Here as data:
 * what each series holds, in what unit, within what bounds (the same as the database's
 * CHECKs, so a file is refused with the line and column before anything is written).
 */
export const DATASET_TYPES = [
  'tariffs',
  'weather',
  'carbon_intensity',
  'renewables',
  'client_meters',
  'heating',
] as const;
export type DatasetType = (typeof DATASET_TYPES)[number];

export interface ValueColumn {
  readonly name: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** May be left empty (null). */
  readonly optional: boolean;
}

/** A column of a type's metadata beyond the common ones (dataset_id, site_id, created_at, params, supersedes). */
export interface MetadataColumn {
  readonly name: string;
  readonly values?: readonly string[];
  /** Used when the import names none; absent: the import must name it. */
  readonly default?: string;
}

export interface DatasetTypeDef {
  readonly type: DatasetType;
  /** The series table of the type's schema. */
  readonly series: string;
  readonly columns: readonly ValueColumn[];
  readonly metadata: readonly MetadataColumn[];
  /** At least one value of a row is given (weather: any of its measures). */
  readonly anyValue: boolean;
}

export const ENERGY_UNITS = ['Wh', 'kWh', 'MWh', 'GWh'] as const;

const v = (name: string, unit: string, min: number, max: number, optional = false): ValueColumn => ({
  name,
  unit,
  min,
  max,
  optional,
});

export const DATASETS: Readonly<Record<DatasetType, DatasetTypeDef>> = Object.freeze({
  tariffs: {
    type: 'tariffs',
    series: 'prices',
    // Prices per `energy_unit` in `currency`; negative prices happen on wholesale markets.
    columns: [
      v('import_price', 'currency/energy_unit', -1e9, 1e9),
      v('export_price', 'currency/energy_unit', -1e9, 1e9, true),
    ],
    metadata: [{ name: 'currency' }, { name: 'energy_unit', values: ENERGY_UNITS, default: 'MWh' }],
    anyValue: false,
  },
  weather: {
    type: 'weather',
    series: 'observations',
    columns: [
      v('air_temperature', '°C', -100, 70, true),
      v('solar_radiation', 'W/m²', 0, 2000, true),
      v('wind_speed', 'm/s', 0, 150, true),
    ],
    metadata: [],
    anyValue: true,
  },
  carbon_intensity: {
    type: 'carbon_intensity',
    series: 'intensities',
    columns: [v('g_co2_per_kwh', 'gCO₂/kWh', 0, 5000)],
    metadata: [],
    anyValue: false,
  },
  renewables: {
    type: 'renewables',
    series: 'generation',
    columns: [v('generation_kwh', 'kWh', 0, 1e9)],
    metadata: [],
    anyValue: false,
  },
  client_meters: {
    type: 'client_meters',
    series: 'consumption',
    columns: [v('consumption_kwh', 'kWh', 0, 1e9)],
    metadata: [],
    anyValue: false,
  },
  heating: {
    type: 'heating',
    series: 'demand',
    columns: [v('heat_demand_kwh', 'kWh', 0, 1e9)],
    metadata: [],
    anyValue: false,
  },
});

export const isDatasetType = (text: string): text is DatasetType =>
  (DATASET_TYPES as readonly string[]).includes(text);
