import { DATASETS, type DatasetType } from '../../engine/datasets/index.js';
import { quoteIdent } from '../connection.js';
import type { Database } from '../database.js';
import { asofParam } from '../queries/current.js';
import { metadataSql, seriesSql } from './dataset-sql.js';

/** One read statement on the handle's connection pool. */
const query = (db: Database, sql: string, params: readonly unknown[]) =>
  db.withTransaction(async (_tx, client) => (await client.query(sql, params as unknown[])).rows);

/** A dataset as listed: its metadata and what its rows cover. */
export interface DatasetInfo {
  readonly dataset_id: string;
  readonly type: DatasetType;
  readonly site_id: string;
  readonly created_at: Date;
  readonly params: Record<string, unknown>;
  readonly supersedes: string | null;
  /** Datasets of the same type that name this one in `supersedes`, as of the clock. */
  readonly superseded_by: string[];
  /** The type's own metadata (tariffs: currency, energy_unit). */
  readonly metadata: Record<string, string>;
  readonly rows: number;
  readonly from: Date;
  readonly to: Date;
}

/** A row as read back: its interval and its values by column name. */
export interface DatasetRow {
  readonly start_ts: Date;
  readonly end_ts: Date;
  readonly [column: string]: Date | number | null;
}

export interface ListOptions {
  /** Only datasets of sites of this system. */
  readonly systemId: number;
  readonly siteId?: string | undefined;
  readonly limit: number;
  /** Datasets created before this one's position (paging: newest first). */
  readonly before?: { readonly createdAt: Date; readonly datasetId: string } | null;
}

/**
 * The sites of a system (any version of a site names it with its system), as a SQL
 * condition on `m.site_id` with the system id in parameter `$1`.
 */
const OF_SYSTEM = `m.site_id IN (SELECT site_id FROM client_info.site_info WHERE system_id = $1)`;

const info = (type: DatasetType, r: Record<string, unknown>): DatasetInfo => ({
  dataset_id: r['dataset_id'] as string,
  type,
  site_id: r['site_id'] as string,
  created_at: r['created_at'] as Date,
  params: r['params'] as Record<string, unknown>,
  supersedes: (r['supersedes'] as string | null) ?? null,
  superseded_by: (r['superseded_by'] as string[] | null) ?? [],
  metadata: Object.fromEntries(DATASETS[type].metadata.map((m) => [m.name, String(r[m.name])])),
  rows: Number(r['rows']),
  from: r['from'] as Date,
  to: r['to'] as Date,
});

function selectInfo(type: DatasetType, asofParam: string): string {
  const extra = DATASETS[type].metadata.map((m) => `, m.${quoteIdent(m.name)}`).join('');
  return `SELECT m.dataset_id, m.site_id, m.created_at, m.params, m.supersedes${extra},
            (SELECT array_agg(n.dataset_id::text ORDER BY n.created_at) FROM ${metadataSql(type)} n
              WHERE n.supersedes = m.dataset_id AND (${asofParam}::timestamptz IS NULL OR n.created_at <= ${asofParam})) AS superseded_by,
            s.rows, s.from, s.to
     FROM ${metadataSql(type)} m
     CROSS JOIN LATERAL (SELECT count(*) AS rows, min(start_ts) AS "from", max(end_ts) AS "to"
                         FROM ${seriesSql(type)} WHERE dataset_id = m.dataset_id) s`;
}

/**
 * A system's datasets of one type that existed at the handle's clock, newest first; of
 * one site with `siteId`.
 */
export async function listDatasets(
  db: Database,
  type: DatasetType,
  options: ListOptions,
): Promise<DatasetInfo[]> {
  const params: unknown[] = [options.systemId, asofParam(db.clock)];
  let where = `${OF_SYSTEM} AND ($2::timestamptz IS NULL OR m.created_at <= $2)`;
  if (options.siteId !== undefined) {
    params.push(options.siteId);
    where += ` AND m.site_id = $${params.length}`;
  }
  if (options.before) {
    params.push(options.before.createdAt, options.before.datasetId);
    where += ` AND (m.created_at, m.dataset_id) < ($${params.length - 1}, $${params.length})`;
  }
  params.push(options.limit);
  const rows = await query(
    db,
    `${selectInfo(type, '$2')} WHERE ${where} ORDER BY m.created_at DESC, m.dataset_id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => info(type, r));
}

/** One dataset of the system as of the handle's clock; null when there is none (or not yet). */
export async function getDataset(
  db: Database,
  type: DatasetType,
  datasetId: string,
  systemId: number,
): Promise<DatasetInfo | null> {
  const rows = await query(
    db,
    `${selectInfo(type, '$2')} WHERE ${OF_SYSTEM} AND ($2::timestamptz IS NULL OR m.created_at <= $2) AND m.dataset_id = $3`,
    [systemId, asofParam(db.clock), datasetId],
  );
  return rows[0] ? info(type, rows[0]) : null;
}

const rowColumns = (type: DatasetType) =>
  ['start_ts', 'end_ts', ...DATASETS[type].columns.map((c) => c.name)].map(quoteIdent).join(', ');

/**
 * The rows of a dataset that overlap [from, to) (either end open when null), in time
 * order, at most `limit`, starting after the row that starts at `after`.
 */
export async function readWindow(
  db: Database,
  type: DatasetType,
  datasetId: string,
  window: {
    readonly from: Date | null;
    readonly to: Date | null;
    readonly after: Date | null;
    readonly limit: number;
  },
): Promise<DatasetRow[]> {
  const rows = await query(
    db,
    `SELECT ${rowColumns(type)} FROM ${seriesSql(type)}
     WHERE dataset_id = $1 AND ($2::timestamptz IS NULL OR end_ts > $2) AND ($3::timestamptz IS NULL OR start_ts < $3)
       AND ($4::timestamptz IS NULL OR start_ts > $4)
     ORDER BY start_ts LIMIT $5`,
    [datasetId, window.from, window.to, window.after, window.limit],
  );
  return rows as DatasetRow[];
}

/**
 * The row in force at `at`: the one with start_ts <= at < end_ts, or null in a gap or
 * outside the dataset. Intervals never overlap, so it is the latest row starting at or
 * before `at`, if that row has not ended by then.
 */
export async function valueAt(
  db: Database,
  type: DatasetType,
  datasetId: string,
  at: Date,
): Promise<DatasetRow | null> {
  const rows = await query(
    db,
    `SELECT * FROM (SELECT ${rowColumns(type)} FROM ${seriesSql(type)}
                    WHERE dataset_id = $1 AND start_ts <= $2 ORDER BY start_ts DESC LIMIT 1) r
     WHERE r.end_ts > $2`,
    [datasetId, at],
  );
  return (rows[0] as DatasetRow | undefined) ?? null;
}
