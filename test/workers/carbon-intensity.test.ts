import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { emissionsKg } from '../../engine/datasets/index.js';
import { importDataset } from '../../storage/index.js';
import { listMarkets } from '../../storage/markets.js';
import { clearMarketInterval } from '../../workers/clear-market.js';
import { ClearingPool } from '../../workers/pool.js';
import { priceMessage } from '../../workers/price-channel.js';
import { createMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const pool = new ClearingPool(1);
afterAll(() => pool.close());
const HOUR = 3_600_000;
const T0 = Date.UTC(2103, 0, 1);

/** A market of two devices whose system names a carbon dataset: 400 g/kWh in the first hour, 100 in the third. */
async function carbonMarket(name: string, config: (datasetId: string) => string) {
  const seconds = 1800;
  const m = await createMarket(t.db, name, seconds, 2);
  const client = await t.db.clients.add({ system_id: m.systemId, name: 'grid' });
  await t.db.site_info.add({
    site_id: `${name}_feeder`,
    client_id: client.client_id,
    system_id: m.systemId,
    name: 'feeder',
  });
  const { datasetId } = await importDataset(t.db, {
    type: 'carbon_intensity',
    siteId: `${name}_feeder`,
    systemId: m.systemId,
    rows: [
      { start: T0, end: T0 + HOUR, values: [400], place: 'rows[0]' },
      { start: T0 + 2 * HOUR, end: T0 + 3 * HOUR, values: [100], place: 'rows[1]' },
    ],
  });
  await t.db.config.add({ system_id: m.systemId, name: 'carbon-intensity', value: config(datasetId) });
  const clear = async (from: number) => {
    await t.db.order.addMany([
      {
        device_id: m.devices[0]!,
        resource_id: m.resourceId,
        interval_start: new Date(from),
        side: 'buy',
        quantity: 2.5,
        price: 40,
      },
      {
        device_id: m.devices[1]!,
        resource_id: m.resourceId,
        interval_start: new Date(from),
        side: 'sell',
        quantity: 2.5,
        price: 10,
      },
    ]);
    const [market] = (await listMarkets(t.db.sql, [m.systemId])).filter((x) => x.resourceId === m.resourceId);
    const out = await clearMarketInterval(
      { db: t.db, pool, log: pino({ level: 'silent' }) },
      market!,
      new Date(from),
      new Date(from + seconds * 1000),
    );
    return out.price!;
  };
  return { clear, datasetId };
}

describe("a cleared price's carbon intensity", () => {
  it('is the intensity in force at its start, with the emissions of the cleared energy; none in a gap', async () => {
    const { clear } = await carbonMarket('carbon', (id) => id);
    const first = await clear(T0 + HOUR / 2);
    // 2.5 MW for half an hour is 1,250 kWh; at 400 g/kWh, 500 kg.
    expect(first).toMatchObject({ quantity: 2.5, g_co2_per_kwh: 400, emissions_kg: 500 });
    expect(emissionsKg(2.5, 'MW', 1800, 400)).toBe(500);
    expect(priceMessage(first, { system: 'carbon', system_id: 1, resource: 'capacity' })).toMatchObject({
      g_co2_per_kwh: 400,
      emissions_kg: 500,
    });
    // In the gap (the second hour): no intensity, and the market cleared all the same.
    expect(await clear(T0 + HOUR)).toMatchObject({
      type: expect.not.stringMatching('FAILURE'),
      g_co2_per_kwh: null,
      emissions_kg: null,
    });
    expect(await clear(T0 + 2 * HOUR)).toMatchObject({ g_co2_per_kwh: 100, emissions_kg: 125 });
  });

  it('is left out, and the market clears, when the config names no dataset', async () => {
    const { clear } = await carbonMarket('carbon_typo', () => 'the grid mix');
    expect(await clear(T0)).toMatchObject({ quantity: 2.5, g_co2_per_kwh: null, emissions_kg: null });
  });

  it('has no emissions for a resource whose quantity is no power', () => {
    expect(emissionsKg(3, 'MWh', 1800, 400)).toBeNull();
    expect(emissionsKg(3, 'kW', 3600, 500)).toBe(1.5);
  });
});
