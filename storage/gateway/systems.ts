import type { Queryable } from '../queries/current.js';

/** A system with at least one circuit, and the `interval` its gateway passes run at. */
export interface GatewaySystem {
  readonly systemId: number;
  readonly system: string;
  /** The system's `interval` config as written (checked by the runtime), null when unset. */
  readonly interval: string | null;
}

/** Every system the gateway serves: those with circuits, on the market or not. */
export async function listGatewaySystems(db: Queryable): Promise<GatewaySystem[]> {
  const { rows } = await db.query(
    `SELECT s.system_id, s.name,
            (SELECT value FROM config c WHERE c.system_id = s.system_id AND c.name = 'interval'
             ORDER BY created DESC, config_id DESC LIMIT 1) AS interval
     FROM system s WHERE s.system_id IN (SELECT DISTINCT system_id FROM gateway.circuit)
     ORDER BY s.system_id`,
  );
  return rows.map((r) => ({ systemId: r.system_id, system: r.name, interval: r.interval ?? null }));
}
