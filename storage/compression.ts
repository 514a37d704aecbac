import type { Queryable } from './queries/current.js';

/** Hypertables whose old chunks TimescaleDB compresses (migration 6). */
export const COMPRESSED_TABLES = ['order', 'meter', 'transaction', 'log'] as const;

/**
 * Sets the age after which chunks are compressed (0 removes the policies), on TimescaleDB
 * only. A policy that already has this age is left alone, so every process may call this
 * at start; a change is logged (ALTER), being a change to how history is stored.
 * Returns whether anything changed.
 */
export async function setCompressionAge(db: Queryable, days: number): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT h.hypertable_name AS name, j.config->>'compress_after' AS after
       FROM timescaledb_information.hypertables h
       LEFT JOIN timescaledb_information.jobs j
         ON j.hypertable_schema = h.hypertable_schema AND j.hypertable_name = h.hypertable_name
        AND j.proc_name = 'policy_compression'
      WHERE h.hypertable_schema = current_schema() AND h.hypertable_name = ANY($1) AND h.compression_enabled`,
    [COMPRESSED_TABLES],
  );
  const wanted = days === 0 ? null : `${days} days`;
  const stale = (rows as { name: string; after: string | null }[]).filter(
    (r) => (r.after === null ? null : normalise(r.after)) !== wanted,
  );
  for (const { name } of stale) {
    await db.query('SELECT remove_compression_policy($1::regclass, if_exists => true)', [quoted(name)]);
    if (wanted !== null) {
      await db.query('SELECT add_compression_policy($1::regclass, compress_after => $2::interval)', [
        quoted(name),
        wanted,
      ]);
    }
    await db.query("INSERT INTO log (event, table_name, message) VALUES ('ALTER', $1, $2)", [
      name,
      wanted === null ? 'compression policy removed' : `chunks compressed after ${wanted}`,
    ]);
  }
  return stale.length > 0;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** PostgreSQL prints '7 days'; a policy made elsewhere may read '168:00:00' or '1 week'. */
function normalise(after: string): string {
  const days = /^(\d+) days?$/.exec(after);
  return days ? `${Number(days[1])} days` : after;
}
