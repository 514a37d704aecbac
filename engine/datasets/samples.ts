import type { DatasetType } from './dataset-types.js';
import type { PlacedRow } from './series-rows.js';

/**
 * Sample datasets from stated formulas (no downloads), for the demo and for trying TESS
 * out: a site's weather, a time-of-use tariff, the grid's carbon intensity, and the
 * output of a kilowatt of PV. `h` is the hour of the day (0–24), `d` the day (0, 1, …):
 *
 * - air_temperature = 8 + 6·sin(π(h − 9)/12) + 2·sin(2πd/7) °C: coldest at 3:00,
 *   warmest at 15:00, a week's swing of ±2 °C;
 * - solar_radiation = 800·max(0, sin(π(h − 6)/12)) W/m²: sunrise at 6:00, noon peak;
 * - wind_speed = 4 + 2·sin(πh/12 + d) m/s;
 * - import_price = 120 $/MWh from 17:00 to 20:00 (peak), 45 from 22:00 to 7:00 (night),
 *   70 otherwise; export_price = 30 $/MWh;
 * - g_co2_per_kwh = 380 − 180·max(0, sin(π(h − 6)/12)) + 60·[17 ≤ h < 20]: solar
 *   displaces gas at midday, the evening peak burns more;
 * - generation_kwh = solar_radiation/1000 × 0.8 × the row's hours, for one kWp.
 */

const sun = (h: number) => Math.max(0, Math.sin((Math.PI * (h - 6)) / 12));

/** The value of each column of a type at day `d`, hour `h`, for a row of `hours` hours. */
export const SAMPLE_FORMULAS: Readonly<
  Record<Exclude<DatasetType, 'client_meters' | 'heating'>, (d: number, h: number, hours: number) => number[]>
> = {
  weather: (d, h) => [
    8 + 6 * Math.sin((Math.PI * (h - 9)) / 12) + 2 * Math.sin((2 * Math.PI * d) / 7),
    800 * sun(h),
    4 + 2 * Math.sin((Math.PI * h) / 12 + d),
  ],
  tariffs: (_d, h) => [h >= 17 && h < 20 ? 120 : h >= 22 || h < 7 ? 45 : 70, 30],
  carbon_intensity: (_d, h) => [380 - 180 * sun(h) + (h >= 17 && h < 20 ? 60 : 0)],
  renewables: (_d, h, hours) => [(800 * sun(h) * 0.8 * hours) / 1000],
};
export type SampleType = keyof typeof SAMPLE_FORMULAS;
export const SAMPLE_TYPES = Object.keys(SAMPLE_FORMULAS) as SampleType[];

export interface SampleSpan {
  /** The first row's start (ms). */
  readonly from: number;
  readonly rows: number;
  /** Each row's length (ms). */
  readonly rowMs: number;
  /**
   * The simulated time a row stands for: the first row's day and hour (0–24), and the
   * hours each row advances. By default a row stands for its own time (from UTC).
   */
  readonly startHour?: number;
  readonly hoursPerRow?: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Rows of a sample dataset over `span`, values rounded to what a meter or a tariff sheet would show. */
export function sampleRows(type: SampleType, span: SampleSpan): PlacedRow[] {
  const formula = SAMPLE_FORMULAS[type];
  const ownHours = span.rowMs / 3_600_000;
  const startHour = span.startHour ?? (span.from / 3_600_000) % (7 * 24);
  const step = span.hoursPerRow ?? ownHours;
  return Array.from({ length: span.rows }, (_, k) => {
    const t = startHour + k * step;
    const d = Math.floor(t / 24);
    const h = t - 24 * d;
    return {
      start: span.from + k * span.rowMs,
      end: span.from + (k + 1) * span.rowMs,
      values: formula(d, h, step).map((v) => round(v, 3)),
      place: `row ${k + 1}`,
    };
  });
}

/** The rows as CSV, with the header the import reads. */
export function samplesCsv(columns: readonly string[], rows: readonly PlacedRow[]): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const lines = rows.map((r) =>
    [iso(r.start), iso(r.end), ...r.values.map((v) => (v === null ? '' : String(v)))].join(','),
  );
  return `${['start_ts', 'end_ts', ...columns].join(',')}\n${lines.join('\n')}\n`;
}
