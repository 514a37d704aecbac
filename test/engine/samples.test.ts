import { describe, expect, it } from 'vitest';
import {
  csvSeriesRows,
  DATASETS,
  SAMPLE_TYPES,
  sampleRows,
  samplesCsv,
} from '../../engine/datasets/index.js';

const HOUR = 3_600_000;
const DAY0 = Date.UTC(2026, 0, 5);

describe('sample datasets', () => {
  it('follow the formulas README states, hour by hour', () => {
    const hourly = (type: (typeof SAMPLE_TYPES)[number]) =>
      sampleRows(type, { from: DAY0, rows: 24, rowMs: HOUR, startHour: 0 }).map((r) => r.values);
    const tariff = hourly('tariffs');
    expect(tariff.map((v) => v[0])).toEqual([
      45, 45, 45, 45, 45, 45, 45, 70, 70, 70, 70, 70, 70, 70, 70, 70, 70, 120, 120, 120, 70, 70, 45, 45,
    ]);
    expect(tariff.every((v) => v[1] === 30)).toBe(true);
    const weather = hourly('weather');
    expect(weather[3]![0]).toBe(2); // 8 + 6·sin(−π/2), day 0
    expect(weather[15]![0]).toBe(14);
    expect(weather[12]![1]).toBe(800);
    expect(weather.slice(0, 7).every((v) => v[1] === 0)).toBe(true);
    const carbon = hourly('carbon_intensity');
    expect(carbon[2]![0]).toBe(380);
    expect(carbon[12]![0]).toBe(200);
    expect(carbon[18]![0]).toBe(440);
    expect(hourly('renewables')[12]![0]).toBe(0.64); // 800 W/m² × 0.8 × 1 h per kWp
  });

  it('import as datasets: a week of 5-minute rows, back to back, every value within its bounds', async () => {
    for (const type of SAMPLE_TYPES) {
      const rows = sampleRows(type, { from: DAY0, rows: 7 * 288, rowMs: 300_000 });
      const csv = samplesCsv(
        DATASETS[type].columns.map((c) => c.name),
        rows,
      );
      const read = [];
      for await (const row of csvSeriesRows(DATASETS[type], [csv])) read.push(row);
      expect(read).toHaveLength(7 * 288);
      expect(read.at(-1)!.end - read[0]!.start).toBe(7 * 24 * HOUR);
    }
  });
});
