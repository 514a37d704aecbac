import type { DatasetType } from '../../engine/datasets/index.js';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { quoteIdent } from '../connection.js';
import type { Database } from '../database.js';
import { metadataColumns, metadataSql, seriesColumns, seriesSql } from './dataset-sql.js';

/**
 * Client data as a migration (seed 002): the rows of the clients, their sites and their
 * datasets written as SQL, `999999_client_data.up.sql` and its `.down.sql`, kept out of
 * version control and applied last by `tess migrate up`.
 *
 * The up file is idempotent and independent of the ids of the database it lands in: a
 * site's system is found by name (added when missing), a client by its system and name,
 * each version of a client or site is added unless one with the same key and `created`
 * is there, a dataset by its UUID; a dataset's rows are added only with its metadata
 * (the database opens a dataset to rows in the transaction that adds it, migration 13),
 * so applying the file twice adds nothing the second time. The down file removes exactly
 * those rows, by the same keys, through the logged non-conformant path (a DELETE row in
 * the log authorises it, as every change to immutable rows); the systems stay, since
 * other data may hang off them.
 */

/** What a file may hold: the clients and sites (always written: datasets are of sites) and dataset types. */
export type ClientDataPart = 'client_info' | DatasetType;

/** Where the SQL goes: each call one piece, in order; awaited, so a slow disk holds the reader. */
export type Sink = (text: string) => Promise<void>;

/** Rows per INSERT statement. */
const BATCH = 1_000;

type Cast = string;
/** The SQL type of each column written, for the casts of a VALUES list of literals. */
const SITE_CASTS: Readonly<Record<string, Cast>> = {
  site_id: 'text',
  name: 'text',
  address: 'text',
  latitude: 'double precision',
  longitude: 'double precision',
  time_zone: 'text',
  created: 'timestamptz',
};
const metadataCast = (column: string): Cast =>
  ({ created_at: 'timestamptz', dataset_id: 'uuid', supersedes: 'uuid', params: 'jsonb' })[column] ?? 'text';
const seriesCast = (column: string): Cast =>
  column === 'dataset_id'
    ? 'uuid'
    : column === 'start_ts' || column === 'end_ts'
      ? 'timestamptz'
      : 'double precision';

type Literal = (value: string | null) => string;

function tuples(rows: readonly (string | null)[][], literal: Literal): string {
  return rows.map((r) => `(${r.map(literal).join(', ')})`).join(',\n  ');
}

/** `SELECT v.a::t, … FROM (VALUES …) v (a, …)` of text literals, each cast to its column's type. */
function values(
  columns: readonly string[],
  cast: (c: string) => Cast,
  rows: (string | null)[][],
  literal: Literal,
) {
  const select = columns.map((c) => `v.${quoteIdent(c)}::${cast(c)}`).join(', ');
  return `SELECT ${select} FROM (VALUES\n  ${tuples(rows, literal)}) v (${columns.map(quoteIdent).join(', ')})`;
}

/** Every column read as text: exact (timestamps to the microsecond, floats round-trip) and cast back on the way in. */
const asText = (columns: readonly string[], alias = '') =>
  columns.map((c) => `${alias}${quoteIdent(c)}::text AS ${quoteIdent(c)}`).join(', ');

export interface ClientDataResult {
  readonly sites: number;
  readonly datasets: number;
  readonly rows: number;
}

/**
 * Writes the up and the down SQL of `parts` (client_info, dataset types) from one
 * consistent snapshot of the database.
 */
export async function writeClientData(
  db: Database,
  parts: readonly ClientDataPart[],
  up: Sink,
  down: Sink,
  label: string,
): Promise<ClientDataResult> {
  if (parts.length === 0) throw new TessError(ErrorCode.INVALID, 'name client_info or dataset types');
  const types = parts.filter((p): p is DatasetType => p !== 'client_info');
  return db.withTransaction(async (_tx, client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Times as text in one unambiguous form, whatever the session's settings.
    await client.query("SET LOCAL DateStyle = 'ISO, YMD'");
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const literal: Literal = (v) => (v === null ? 'NULL' : client.escapeLiteral(v));
    const stamp = new Date().toISOString();
    await up(
      `-- TESS client data (${label}), written by \`tess dump --sql\` at ${stamp}: clients, sites\n` +
        `-- and datasets, applied last by \`tess migrate up\`, idempotent. Keep it out of version control.\n` +
        'BEGIN;\n',
    );
    await down(
      `-- Removes the client data of the .up.sql beside it (${label}, ${stamp}): exactly its rows,\n` +
        "-- through TESS's logged non-conformant path. The systems they belonged to stay.\n" +
        'BEGIN;\n' +
        "WITH entry AS (INSERT INTO log (event, table_name, message) VALUES ('DELETE', NULL,\n" +
        `    ${literal(`client data removed: ${label}`)}) RETURNING log_id)\n` +
        "SELECT set_config('tess.nonconformant', log_id::text, true) FROM entry;\n",
    );

    // Systems, clients and sites (every version), with the names their references resolve by.
    const { rows: sites } = await client.query(
      `SELECT sys.name AS system, c.name AS client, ${asText(Object.keys(SITE_CASTS), 's.')}
       FROM client_info.site_info s
       JOIN system sys ON sys.system_id = s.system_id
       JOIN client_info.clients c ON c.client_id = s.client_id
       ORDER BY s.created, s.site_info_id`,
    );
    const { rows: clients } = await client.query(
      `SELECT sys.name AS system, c.name, c.created::text AS created
       FROM client_info.clients c JOIN system sys ON sys.system_id = c.system_id
       ORDER BY c.created, c.client_id`,
    );
    const systems = [
      ...new Set([...clients.map((c) => c.system as string), ...sites.map((s) => s.system as string)]),
    ];
    const systemOf = (v: string) => `(SELECT min(system_id) FROM system WHERE name = ${v})`;
    if (systems.length > 0) {
      await up(
        '-- The systems the sites belong to, by name.\n' +
          `INSERT INTO system (name) SELECT v.name FROM (VALUES ${systems.map((s) => `(${literal(s)})`).join(', ')}) v (name)\n` +
          'WHERE NOT EXISTS (SELECT 1 FROM system s WHERE s.name = v.name);\n',
      );
    }
    if (clients.length > 0) {
      await up(
        `INSERT INTO client_info.clients (system_id, name, created)\n` +
          `SELECT ${systemOf('v.system')}, v.name, v.created::timestamptz FROM (VALUES\n  ` +
          tuples(
            clients.map((c) => [c.system, c.name, c.created]),
            literal,
          ) +
          ') v (system, name, created)\n' +
          `WHERE NOT EXISTS (SELECT 1 FROM client_info.clients c WHERE c.system_id = ${systemOf('v.system')}\n` +
          '                  AND c.name = v.name AND c.created = v.created::timestamptz);\n',
      );
    }
    if (sites.length > 0) {
      const cols = Object.keys(SITE_CASTS);
      const clientOf = `(SELECT min(c.client_id) FROM client_info.clients c WHERE c.system_id = ${systemOf('v.system')} AND c.name = v.client)`;
      await up(
        `INSERT INTO client_info.site_info (system_id, client_id, ${cols.map(quoteIdent).join(', ')})\n` +
          `SELECT ${systemOf('v.system')}, ${clientOf}, ${cols.map((c) => `v.${quoteIdent(c)}::${SITE_CASTS[c]}`).join(', ')}\n` +
          `FROM (VALUES\n  ${tuples(
            sites.map((s) => ['system', 'client', ...cols].map((c) => s[c])),
            literal,
          )}) v (system, client, ${cols.map(quoteIdent).join(', ')})\n` +
          'WHERE NOT EXISTS (SELECT 1 FROM client_info.site_info s WHERE s.site_id = v.site_id AND s.created = v.created::timestamptz);\n',
      );
    }

    // Each type's datasets, oldest first (a correction after what it supersedes), then their rows.
    let datasets = 0;
    let rowCount = 0;
    const removals: string[] = [];
    for (const type of types) {
      const mcols = metadataColumns(type);
      const { rows: meta } = await client.query(
        `SELECT ${asText(mcols)} FROM ${metadataSql(type)} ORDER BY created_at, dataset_id`,
      );
      if (meta.length === 0) continue;
      datasets += meta.length;
      await up(
        `-- ${type}: ${meta.length} datasets.\n` +
          `INSERT INTO ${metadataSql(type)} (${mcols.map(quoteIdent).join(', ')})\n` +
          values(
            mcols,
            metadataCast,
            meta.map((m) => mcols.map((c) => m[c])),
            literal,
          ) +
          '\nON CONFLICT (dataset_id) DO NOTHING;\n',
      );
      const scols = seriesColumns(type);
      let after: { id: string; start: string } | null = null;
      for (;;) {
        const page = await client.query<Record<string, string | null>>(
          `SELECT ${asText(scols)} FROM ${seriesSql(type)}
           WHERE $1::uuid IS NULL OR (dataset_id, start_ts) > ($1::uuid, $2::timestamptz)
           ORDER BY dataset_id, start_ts LIMIT ${BATCH}`,
          [after?.id ?? null, after?.start ?? null],
        );
        const rows: Record<string, string | null>[] = page.rows;
        if (rows.length === 0) break;
        rowCount += rows.length;
        // Only the rows of datasets this very file added: a second run adds none.
        await up(
          `INSERT INTO ${seriesSql(type)} (${scols.map(quoteIdent).join(', ')})\n` +
            values(
              scols,
              seriesCast,
              rows.map((r) => scols.map((c) => r[c] ?? null)),
              literal,
            ) +
            "\nWHERE strpos(coalesce(current_setting('tess.datasets_open', true), ''), v.dataset_id) > 0;\n",
        );
        const last: Record<string, string | null> = rows.at(-1)!;
        after = { id: String(last['dataset_id']), start: String(last['start_ts']) };
        if (rows.length < BATCH) break;
      }
      const ids = meta.map((m) => `${literal(m.dataset_id)}::uuid`).join(', ');
      removals.push(
        `DELETE FROM ${seriesSql(type)} WHERE dataset_id IN (${ids});\n` +
          `DELETE FROM ${metadataSql(type)} WHERE dataset_id IN (${ids});\n`,
      );
    }
    await down(removals.join(''));
    if (sites.length > 0) {
      await down(
        'DELETE FROM client_info.site_info s USING (VALUES\n  ' +
          tuples(
            sites.map((s) => [s.site_id, s.created]),
            literal,
          ) +
          ') v (site_id, created) WHERE s.site_id = v.site_id AND s.created = v.created::timestamptz;\n',
      );
    }
    if (clients.length > 0) {
      await down(
        'DELETE FROM client_info.clients c USING (VALUES\n  ' +
          tuples(
            clients.map((c) => [c.system, c.name, c.created]),
            literal,
          ) +
          `) v (system, name, created)\nWHERE c.system_id = ${systemOf('v.system')} AND c.name = v.name AND c.created = v.created::timestamptz;\n`,
      );
    }
    await up('COMMIT;\n');
    await down("SELECT set_config('tess.nonconformant', '', true);\nCOMMIT;\n");
    return { sites: sites.length, datasets, rows: rowCount };
  });
}
