import { quoteIdent, tableSql } from './connection.js';
import type { Span } from './queries/ownership.js';
import type { Values } from './table-context.js';
import type { TableDef } from './tables.js';

/** A statement and its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** The clock as a parameter: a time, or 'infinity' for now (every row is visible). */
export type ClockParam = Date | string;

export interface ListOptions {
  /** Column equality filters on the current version of each entry. */
  readonly where?: Values;
  /** Cursor: only rows whose id is greater. */
  readonly after?: number;
  /** @defaultValue 100 */
  readonly limit?: number;
  /**
   * Only entries that began (their first row's `created`) within one of these spans:
   * history as it belonged to someone over time. An empty list matches nothing.
   */
  readonly begunWithin?: readonly Span[];
}

const BY_DEF = new WeakMap<TableDef, TableSql>();

/**
 * The statements of the generic table operations, built from a TableDef alone (no I/O).
 * Values are always parameters; identifiers come from the definition, quoted once.
 */
export class TableSql {
  /** The table's name, quoted for SQL. */
  readonly table: string;
  /** Its id column's name, quoted for SQL. */
  readonly id: string;
  private readonly cols: string[];

  /**
   * The statements of `def`. A handle builds its tables for every as-of view (`db.at`),
   * so the identifiers are quoted once per definition, not once per view.
   */
  static of(def: TableDef): TableSql {
    let sql = BY_DEF.get(def);
    if (!sql) {
      sql = new TableSql(def);
      BY_DEF.set(def, sql);
    }
    return sql;
  }

  private constructor(readonly def: TableDef) {
    this.table = tableSql(def);
    this.id = quoteIdent(def.id);
    this.cols = def.columns.map((col) => col.name);
  }

  /** The row with this id, unless it was created after the clock. */
  get(clock: ClockParam, id: number): Statement {
    return {
      sql: `SELECT * FROM ${this.table} WHERE ${this.id} = $1 AND created <= $2`,
      params: [id, clock],
    };
  }

  /** The ids (at most two, to tell "not unique") of rows in effect at the clock matching `crit`. */
  find(clock: ClockParam, crit: Values): Statement {
    const params: unknown[] = [clock];
    const where = (keys: string[], alias = '') =>
      keys.map((k) => {
        const v = crit[k];
        if (v === null) return `${alias}${quoteIdent(k)} IS NULL`;
        params.push(v);
        return `${alias}${quoteIdent(k)} = $${params.length}`;
      });
    const key = this.def.key;
    const names = Object.keys(crit);
    if (key.length === 0) {
      const w = ['created <= $1', ...where(names)].join(' AND ');
      return {
        sql: `SELECT ${this.id} AS id FROM ${this.table} WHERE ${w} ORDER BY ${this.id} LIMIT 2`,
        params,
      };
    }
    const order = `ORDER BY created DESC, ${this.id} DESC`;
    if (key.every((k) => k in crit && crit[k] !== null)) {
      const inner = ['created <= $1', ...where([...key])].join(' AND ');
      const rest = names.filter((n) => !key.includes(n));
      const outer = rest.length ? `WHERE ${where(rest).join(' AND ')}` : '';
      return {
        sql: `SELECT ${this.id} AS id FROM (SELECT * FROM ${this.table} WHERE ${inner} ${order} LIMIT 1) cur ${outer}`,
        params,
      };
    }
    const k = key.map(quoteIdent).join(', ');
    const w = where(names);
    const filter = w.length ? w.join(' AND ') : 'true';
    return {
      sql: `SELECT ${this.id} AS id FROM (
              SELECT DISTINCT ON (${k}) * FROM ${this.table}
              WHERE created <= $1 AND (${k}) IN (SELECT ${k} FROM ${this.table} WHERE created <= $1 AND ${filter})
              ORDER BY ${k}, created DESC, ${this.id} DESC) cur
            WHERE ${filter} LIMIT 2`,
      params,
    };
  }

  /**
   * The current version (at the clock) of each entry matching `crit`, ordered by id, one
   * page after the cursor (null: the spans are empty, nothing can match). Walks rows in
   * id order and keeps a row when no later version of its entry exists at the clock (one
   * probe of the key index) and it matches the filters: the work grows with the page,
   * not with the table, and an index on a filtered column (e.g. orders by device) is used
   * when it is selective. The current version is what the filters see, so an entry that
   * once matched but no longer does is not listed.
   */
  list(clock: ClockParam, crit: Values, options: ListOptions): Statement | null {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const params: unknown[] = [clock, options.after ?? 0, limit];
    const filters = Object.entries(crit).map(([k, v]) => {
      if (v === null) return `r.${quoteIdent(k)} IS NULL`;
      params.push(v);
      return `r.${quoteIdent(k)} = $${params.length}`;
    });
    const key = this.def.key.map(quoteIdent);
    const newer = key.length
      ? [
          `NOT EXISTS (SELECT 1 FROM ${this.table} n WHERE ${key.map((k) => `n.${k} = r.${k}`).join(' AND ')}`,
          ` AND n.created <= $1 AND (n.created, n.${this.id}) > (r.created, r.${this.id}))`,
        ].join('')
      : 'true';
    const spans = options.begunWithin;
    if (spans && spans.length === 0) return null;
    let from = `${this.table} r`;
    const within: string[] = [];
    if (spans) {
      let began = 'r.created';
      if (key.length) {
        from += ` CROSS JOIN LATERAL (SELECT min(b.created) AS began FROM ${this.table} b WHERE ${key.map((k) => `b.${k} = r.${k}`).join(' AND ')}) e`;
        began = 'e.began';
      }
      const terms = spans.map((span) => {
        params.push(span.from);
        const lower = `${began} >= $${params.length}`;
        if (span.to === null) return lower;
        params.push(span.to);
        return `(${lower} AND ${began} < $${params.length})`;
      });
      within.push(`(${terms.join(' OR ')})`);
    }
    const where = ['r.created <= $1', `r.${this.id} > $2`, newer, ...filters, ...within].join(' AND ');
    return { sql: `SELECT r.* FROM ${from} WHERE ${where} ORDER BY r.${this.id} LIMIT $3`, params };
  }

  /** The newest row of the entry `row` names by its natural key, whatever the clock. */
  current(row: Values): Statement {
    const key = this.def.key;
    const w = key.map((k, i) => `${quoteIdent(k)} = $${i + 1}`).join(' AND ');
    return {
      sql: `SELECT * FROM ${this.table} WHERE ${w} ORDER BY created DESC, ${this.id} DESC LIMIT 1`,
      params: key.map((k) => row[k]),
    };
  }

  /** The newest row of each entry the rows name, in one statement (keys passed as arrays). */
  currentOfMany(rows: readonly Values[]): Statement {
    const key = this.def.key;
    const arrays = key.map((k) => rows.map((r) => r[k]));
    const types = key.map((k) => {
      const kind = this.def.columns.find((col) => col.name === k)!.kind;
      return kind === 'timestamptz' ? 'timestamptz[]' : kind === 'text' ? 'text[]' : 'bigint[]';
    });
    const cols = key.map(quoteIdent).join(', ');
    const unnest = key.map((_, i) => `$${i + 1}::${types[i]}`).join(', ');
    return {
      sql: `SELECT DISTINCT ON (${cols}) t.* FROM ${this.table} t
       JOIN unnest(${unnest}) AS k(${cols}) USING (${cols})
       ORDER BY ${cols}, t.created DESC, t.${this.id} DESC`,
      params: arrays,
    };
  }

  /** Inserts one row, leaving absent columns to their defaults; returns the stored row. */
  insert(row: Values): Statement {
    const names = this.cols.filter((n) => row[n] !== null && row[n] !== undefined);
    return {
      sql: `INSERT INTO ${this.table} (${names.map(quoteIdent).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
      params: names.map((n) => row[n]),
    };
  }

  /** Reserves `n` ids from the table's identity sequence. */
  reserveIds(n: number): Statement {
    return {
      sql: `SELECT nextval(pg_get_serial_sequence($1, $2)) AS id FROM generate_series(1, $3)`,
      params: [this.table, this.def.id, n],
    };
  }
}
