import { ORDER_LIMIT_NAMES } from '../engine/order-limits.js';
import type { Queryable } from './queries/current.js';

/**
 * Config variables that shape a market, by name; absent ones take the engine's defaults.
 * The order limits (engine/order-limits.ts) are read too, both system-wide and as
 * `<resource>:<name>` for the market's own resource.
 */
export const MARKET_CONFIG = [
  'interval',
  'price-cap',
  'clearing-scalar',
  'special-mode',
  'fixed-price',
  'fixed-quantity',
  // A carbon_intensity dataset whose intensity each cleared price records (storage/clearing-writer.ts).
  'carbon-intensity',
  ...ORDER_LIMIT_NAMES,
];

/** The `mechanism` that puts a system on the market (the seed's); any other value takes it off. */
export const ON_MARKET = 'AUCTION';

export interface Market {
  readonly systemId: number;
  readonly system: string;
  readonly resourceId: number;
  readonly resource: string;
  /**
   * Current config values of the system, for the names in MARKET_CONFIG, and the order
   * limits set for this resource alone (`<resource>:<limit>`).
   */
  readonly config: Readonly<Record<string, string | null>>;
  /** When the resource entry was created (no interval before it needs clearing). */
  readonly created: Date;
}

/**
 * Every market of every system (or of the given systems) whose `mechanism` is AUCTION
 * (the seed's default; any other value, e.g. NONE, takes the system off the market), with
 * its system's current market config.
 */
export async function listMarkets(db: Queryable, systemIds?: readonly number[]): Promise<Market[]> {
  const { rows } = await db.query(
    `WITH sys AS (
       SELECT DISTINCT ON (name) system_id, name FROM system ORDER BY name, created, system_id),
     res AS (
       SELECT DISTINCT ON (system_id, name) resource_id, system_id, name, created FROM resource
       ORDER BY system_id, name, created, resource_id),
     cfg AS (
       SELECT DISTINCT ON (system_id, name) system_id, name, value FROM config
       WHERE name = ANY($1::text[]) OR name LIKE ANY($4::text[])
       ORDER BY system_id, name, created DESC, config_id DESC),
     -- Read apart from cfg: the market config names do not include it, and a filter on a
     -- CTE without the name would take every system for one on the market.
     mechanism AS (
       SELECT DISTINCT ON (system_id) system_id, value FROM config WHERE name = 'mechanism'
       ORDER BY system_id, created DESC, config_id DESC)
     SELECT sys.system_id, sys.name AS system, res.resource_id, res.name AS resource, res.created,
            coalesce((SELECT jsonb_object_agg(cfg.name, cfg.value) FROM cfg WHERE cfg.system_id = sys.system_id
                        AND (cfg.name = ANY($1::text[])
                             OR cfg.name = ANY(SELECT res.name || ':' || l FROM unnest($5::text[]) l))), '{}') AS config
     FROM sys JOIN res ON res.system_id = sys.system_id
     WHERE ($2::bigint[] IS NULL OR sys.system_id = ANY($2::bigint[]))
       AND coalesce((SELECT value FROM mechanism m WHERE m.system_id = sys.system_id), $3) = $3
     ORDER BY sys.system_id, res.resource_id`,
    [
      MARKET_CONFIG,
      systemIds ?? null,
      ON_MARKET,
      ORDER_LIMIT_NAMES.map((name) => `%:${name}`),
      ORDER_LIMIT_NAMES,
    ],
  );
  return rows.map((r) => ({
    systemId: r.system_id,
    system: r.system,
    resourceId: r.resource_id,
    resource: r.resource,
    config: r.config,
    created: r.created,
  }));
}
