import type { Database } from '../database.js';
import type { CircuitRow } from '../rows.js';

const PAGE = 1000;

/** Every circuit of field meter `meterEntry` as known at the handle's clock, page by page (a village may have thousands). */
export async function meterCircuits(db: Database, meterEntry: number): Promise<CircuitRow[]> {
  const out: CircuitRow[] = [];
  for (let after = 0; ; ) {
    const page = await db.circuit.list({ where: { field_meter_id: meterEntry }, after, limit: PAGE });
    out.push(...page);
    const last = page.at(-1);
    if (!last || page.length < PAGE) return out;
    after = last.circuit_id;
  }
}
