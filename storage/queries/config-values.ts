import type { Queryable } from './current.js';

/** The current values of several config variables of a system, by name (absent names are left out). */
export async function configValues(
  db: Queryable,
  systemId: number,
  names: readonly string[],
): Promise<Record<string, string | null>> {
  const { rows } = await db.query(
    `SELECT DISTINCT ON (name) name, value FROM config
      WHERE system_id = $1 AND name = ANY($2::text[])
      ORDER BY name, created DESC, config_id DESC`,
    [systemId, names],
  );
  return Object.fromEntries(rows.map((r) => [r.name as string, r.value as string | null]));
}
