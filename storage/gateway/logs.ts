import type pg from 'pg';
import { ErrorCode, TessError } from '../../engine/errors.js';
import type { Database } from '../database.js';
import { roundTo } from '../values.js';
import type { PcuLogRow, PrimaryLogRow } from './rows.js';

/**
 * The logs a field meter posts, written in bulk: one INSERT … SELECT FROM unnest(…) per
 * kind, ON CONFLICT on the (owner, period_start) key DO NOTHING. A meter that lost an
 * answer posts the same rows again, so a row already stored is a duplicate to accept;
 * one that differs from the stored row for its period is a conflict, and then nothing
 * of the post is written (one transaction). Values are checked by the caller (the HTTP
 * layer, where they enter); energies are kept to thousandths of a watt-hour, as the
 * table definitions say, and compared after that rounding.
 */

/** How a conflict names a row (e.g. its index in the post and its PIN). */
interface Labelled {
  readonly label: string;
}

/** A primary log as posted: its row without what the database assigns; circuit_id is the circuit's entry id. */
export type PrimaryLogInput = Omit<PrimaryLogRow, 'primary_log_id' | 'created'> & Labelled;

/** A PCU log as posted; field_meter_id is the field meter's entry id. */
export type PcuLogInput = Omit<PcuLogRow, 'pcu_log_id' | 'created'> & Labelled;

export interface LogCounts {
  readonly added: number;
  readonly duplicates: number;
}

export interface LogsWritten {
  readonly primary: LogCounts;
  readonly pcu: LogCounts;
}

/** One kind of log as data: its table, owner column, and the columns compared on a repeat. */
interface LogKind<R> {
  readonly table: string;
  readonly owner: string;
  /** Column → [SQL array type, value of a row (as stored)]. */
  readonly columns: Readonly<Record<string, readonly [string, (row: R) => unknown]>>;
}

const ENERGY = 3;
const MONEY = 6;

const PRIMARY: LogKind<PrimaryLogInput> = {
  table: 'gateway.primary_log',
  owner: 'circuit_id',
  columns: {
    circuit_id: ['bigint', (r) => r.circuit_id],
    period_start: ['timestamptz', (r) => r.period_start],
    period_end: ['timestamptz', (r) => r.period_end],
    watthours: ['float8', (r) => roundTo(r.watthours, ENERGY)],
    power_peak: ['float8', (r) => r.power_peak],
    reported_credit: [
      'numeric',
      (r) => (r.reported_credit === null ? null : roundTo(r.reported_credit, MONEY)),
    ],
  },
};

const PCU: LogKind<PcuLogInput> = {
  table: 'gateway.pcu_log',
  owner: 'field_meter_id',
  columns: {
    field_meter_id: ['bigint', (r) => r.field_meter_id],
    period_start: ['timestamptz', (r) => r.period_start],
    period_end: ['timestamptz', (r) => r.period_end],
    solar_wh: ['float8', (r) => roundTo(r.solar_wh, ENERGY)],
    battery_wh: ['float8', (r) => roundTo(r.battery_wh, ENERGY)],
    battery_soc: ['float8', (r) => r.battery_soc],
  },
};

const same = (a: unknown, b: unknown): boolean =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

async function write<R extends { readonly period_start: Date; readonly label: string }>(
  client: pg.PoolClient,
  kind: LogKind<R>,
  rows: readonly R[],
): Promise<LogCounts> {
  if (rows.length === 0) return { added: 0, duplicates: 0 };
  const names = Object.keys(kind.columns);
  const params = names.map((n) => rows.map((r) => kind.columns[n]![1](r)));
  const unnest = `unnest(${names.map((n, i) => `$${i + 1}::${kind.columns[n]![0]}[]`).join(', ')})`;
  const inserted = await client.query(
    `INSERT INTO ${kind.table} (${names.join(', ')})
     SELECT * FROM ${unnest} AS r(${names.join(', ')})
     ON CONFLICT (${kind.owner}, period_start) DO NOTHING`,
    params,
  );
  const added = inserted.rowCount ?? 0;
  // The common post is all new rows: nothing more to read. Otherwise some rows met a
  // stored row (or one earlier in this post) for their period; each posted row must then
  // equal what is stored for its period, whether it was just written or written before.
  if (added === rows.length) return { added, duplicates: 0 };
  const key = (owner: unknown, start: Date) => `${owner}@${start.getTime()}`;
  const stored = await client.query(
    `SELECT t.* FROM ${kind.table} t
     JOIN unnest($1::bigint[], $2::timestamptz[]) AS k(owner, period_start)
       ON t.${kind.owner} = k.owner AND t.period_start = k.period_start`,
    [rows.map((r) => kind.columns[kind.owner]![1](r)), rows.map((r) => r.period_start)],
  );
  const byKey = new Map(stored.rows.map((s) => [key(s[kind.owner], s.period_start), s]));
  for (const r of rows) {
    const s = byKey.get(key(kind.columns[kind.owner]![1](r), r.period_start));
    const differs = names.filter((n) => !same(s?.[n] ?? null, kind.columns[n]![1](r)));
    if (differs.length) {
      throw new TessError(
        ErrorCode.EXISTS,
        `${r.label}: the period from ${r.period_start.toISOString()} is logged already with other values (${differs.join(', ')})`,
      );
    }
  }
  return { added, duplicates: rows.length - added };
}

/** Writes a meter's post of logs in one transaction; a conflicting row writes nothing (EXISTS). */
export function writeLogs(
  db: Database,
  primary: readonly PrimaryLogInput[],
  pcu: readonly PcuLogInput[],
): Promise<LogsWritten> {
  return db.withTransaction(async (_tx, client) => ({
    primary: await write(client, PRIMARY, primary),
    pcu: await write(client, PCU, pcu),
  }));
}
