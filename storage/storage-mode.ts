import type { Queryable } from './queries/current.js';

/**
 * Which storage a database runs on: TimescaleDB (its time-series tables are hypertables)
 * or plain PostgreSQL, with the reason. Decided once, when the database is first
 * migrated (migration 1); read back from the database itself, so every process agrees.
 */
export type StorageMode =
  | { readonly kind: 'timescaledb'; readonly version: string }
  | { readonly kind: 'postgresql'; readonly reason: string };

export async function readStorageMode(db: Queryable): Promise<StorageMode> {
  const { rows } = await db.query(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            current_setting('timescaledb.max_background_workers', true) IS NOT NULL AS preloaded,
            to_regclass('price_5m') IS NOT NULL AS aggregates`,
  );
  const r = rows[0] as {
    installed: string | null;
    available: boolean;
    preloaded: boolean;
    aggregates: boolean;
  };
  if (r.installed !== null && r.aggregates)
    return Object.freeze({ kind: 'timescaledb', version: r.installed });
  const reason = !r.available
    ? 'the server does not offer the timescaledb extension'
    : !r.preloaded
      ? 'the server lists timescaledb but does not preload it (add it to shared_preload_libraries and restart)'
      : 'this database was created without it (TIMESCALEDB=off)';
  return Object.freeze({ kind: 'postgresql', reason });
}

/** One line for logs, /health and the command line. */
export function describeStorage(mode: StorageMode): string {
  return mode.kind === 'timescaledb' ? `TimescaleDB ${mode.version}` : `plain PostgreSQL: ${mode.reason}`;
}
