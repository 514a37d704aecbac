import type pg from 'pg';
import { ErrorCode, TessError } from '../engine/errors.js';
import { quoteIdent } from './connection.js';
import { copyRows } from './copy.js';
import type { EntryIds } from './entries.js';
import type { Span } from './queries/ownership.js';
import type { Fields, RowOf } from './rows.js';
import type { Runner } from './runner.js';
import type { TableDef, TableName } from './tables.js';
import { uuidv7 } from './uuid.js';
import { checkFields, checkValue } from './values.js';

type Client = pg.PoolClient | pg.Client;
type Values = Record<string, unknown>;

/** Table-specific behaviour plugged into the one generic implementation. */
export interface TableHooks {
  /** Fills columns the caller may leave out (config: the handle's system). */
  scope?(fields: Values): Promise<Values>;
  /** Runs inside the write transaction, after locks, before rows are inserted (balances). */
  beforeInsert?(client: Client, rows: Values[]): Promise<void>;
  /** Runs inside the write transaction after an `add` (a new system's seed config). */
  afterAdd?(client: Client, row: Values): Promise<void>;
}

export interface TableContext {
  readonly runner: Runner;
  /** The as-of time of reads; null means now. */
  readonly clock: () => Date | null;
  readonly entries: EntryIds;
}

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

/**
 * add / get / find / set (and COPY-streamed addMany / setMany) for any TESS table,
 * driven by its TableDef. Writes take an advisory lock on the entry's natural key, so
 * the "{key} exists" and "{key} not found" checks hold under concurrency on tables
 * that cannot have a unique index (versions share their key; hypertables need `created`
 * in every unique index).
 */
export class Table<T extends TableName> {
  /** The table's name, quoted for SQL. */
  private readonly tableSql: string;
  /** Its id column's name, quoted for SQL. */
  private readonly idSql: string;
  private readonly cols: string[];

  constructor(
    readonly def: TableDef,
    private readonly ctx: TableContext,
    private readonly hooks: TableHooks = {},
  ) {
    this.tableSql = quoteIdent(def.name);
    this.idSql = quoteIdent(def.id);
    this.cols = def.columns.map((col) => col.name);
  }

  // ---- reads -------------------------------------------------------------------------

  /** The row with this id, or null (also when it was created after the clock). */
  async get(id: number): Promise<RowOf[T] | null> {
    if (!Number.isSafeInteger(id))
      throw new TessError(ErrorCode.INVALID, `${this.def.id} must be an integer`);
    const { rows } = await this.ctx.runner.read((c) =>
      c.query(`SELECT * FROM ${this.tableSql} WHERE ${this.idSql} = $1 AND created <= $2`, [
        id,
        this.clockParam(),
      ]),
    );
    return (rows[0] as RowOf[T]) ?? null;
  }

  /**
   * The id of the row in effect at the clock of the one entry matching `criteria`
   * (column equality on that row); null when none; "result is not unique" when several.
   */
  async find(criteria: Values): Promise<number | null> {
    const crit = await this.criteria(criteria);
    if (crit === null) return null;
    const { sql, params } = this.findSql(crit);
    const { rows } = await this.ctx.runner.read((c) => c.query(sql, params));
    if (rows.length > 1) throw new TessError(ErrorCode.NOT_UNIQUE, 'result is not unique');
    return rows[0]?.id ?? null;
  }

  /** The SQL of `find`, exposed so tests can EXPLAIN it. */
  findSql(crit: Values): { sql: string; params: unknown[] } {
    const params: unknown[] = [this.clockParam()];
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
        sql: `SELECT ${this.idSql} AS id FROM ${this.tableSql} WHERE ${w} ORDER BY ${this.idSql} LIMIT 2`,
        params,
      };
    }
    const order = `ORDER BY created DESC, ${this.idSql} DESC`;
    if (key.every((k) => k in crit && crit[k] !== null)) {
      const inner = ['created <= $1', ...where([...key])].join(' AND ');
      const rest = names.filter((n) => !key.includes(n));
      const outer = rest.length ? `WHERE ${where(rest).join(' AND ')}` : '';
      return {
        sql: `SELECT ${this.idSql} AS id FROM (SELECT * FROM ${this.tableSql} WHERE ${inner} ${order} LIMIT 1) cur ${outer}`,
        params,
      };
    }
    const k = key.map(quoteIdent).join(', ');
    const w = where(names);
    const filter = w.length ? w.join(' AND ') : 'true';
    return {
      sql: `SELECT ${this.idSql} AS id FROM (
              SELECT DISTINCT ON (${k}) * FROM ${this.tableSql}
              WHERE created <= $1 AND (${k}) IN (SELECT ${k} FROM ${this.tableSql} WHERE created <= $1 AND ${filter})
              ORDER BY ${k}, created DESC, ${this.idSql} DESC) cur
            WHERE ${filter} LIMIT 2`,
      params,
    };
  }

  /**
   * The current version (at the clock) of each entry, ordered by id, with cursor paging.
   * Walks rows in id order and keeps a row when no later version of its entry exists at
   * the clock (one probe of the key index) and it matches the filters: the work grows
   * with the page, not with the table, and an index on a filtered column (e.g. orders by
   * device) is used when it is selective. The current version is what the filters see,
   * so an entry that once matched but no longer does is not listed.
   */
  async list(options: ListOptions = {}): Promise<RowOf[T][]> {
    const q = await this.listSql(options);
    if (q === null) return [];
    const { rows } = await this.ctx.runner.read((c) => c.query(q.sql, q.params));
    return rows as RowOf[T][];
  }

  /** The statement `list` runs (null: the criteria name an entry that does not exist). */
  async listSql(options: ListOptions = {}): Promise<{ sql: string; params: unknown[] } | null> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const crit = (await this.criteria(options.where ?? {})) ?? null;
    if (crit === null) return null;
    const params: unknown[] = [this.clockParam(), options.after ?? 0, limit];
    const filters = Object.entries(crit).map(([k, v]) => {
      if (v === null) return `r.${quoteIdent(k)} IS NULL`;
      params.push(v);
      return `r.${quoteIdent(k)} = $${params.length}`;
    });
    const key = this.def.key.map(quoteIdent);
    const newer = key.length
      ? [
          `NOT EXISTS (SELECT 1 FROM ${this.tableSql} n WHERE ${key.map((k) => `n.${k} = r.${k}`).join(' AND ')}`,
          ` AND n.created <= $1 AND (n.created, n.${this.idSql}) > (r.created, r.${this.idSql}))`,
        ].join('')
      : 'true';
    const spans = options.begunWithin;
    if (spans && spans.length === 0) return null;
    let from = `${this.tableSql} r`;
    const within: string[] = [];
    if (spans) {
      let began = 'r.created';
      if (key.length) {
        from += ` CROSS JOIN LATERAL (SELECT min(b.created) AS began FROM ${this.tableSql} b WHERE ${key.map((k) => `b.${k} = r.${k}`).join(' AND ')}) e`;
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
    const where = ['r.created <= $1', `r.${this.idSql} > $2`, newer, ...filters, ...within].join(' AND ');
    return { sql: `SELECT r.* FROM ${from} WHERE ${where} ORDER BY r.${this.idSql} LIMIT $3`, params };
  }

  // ---- writes ------------------------------------------------------------------------

  /** Defines a new entry; "{key} exists" when its natural key is taken. Returns the row. */
  async add(fields: Fields<T>): Promise<RowOf[T]> {
    this.refuseWhenClockSet();
    const row = await this.prepare(fields, true);
    return this.ctx.runner.write(async (client) => {
      await this.lockKeys(client, [row], false);
      if (this.def.key.length && (await this.currentByKey(client, row))) {
        throw new TessError(ErrorCode.EXISTS, `${this.label(row)} exists`);
      }
      await this.hooks.beforeInsert?.(client, [row]);
      const inserted = await this.insert(client, row);
      await this.hooks.afterAdd?.(client, inserted);
      return inserted as unknown as RowOf[T];
    });
  }

  /** Changes an entry by adding a row with a later `created`; "{key} not found" when absent. */
  async set(fields: Fields<T>): Promise<RowOf[T]> {
    this.refuseWhenClockSet();
    this.refuseWhenFinal();
    const change = await this.prepare(fields, false);
    const missing = this.def.key.filter((k) => change[k] === undefined || change[k] === null);
    if (missing.length) {
      throw new TessError(
        ErrorCode.INVALID,
        `${this.def.name}: set needs the natural key (${missing.join(', ')})`,
      );
    }
    return this.ctx.runner.write(async (client) => {
      await this.lockKeys(client, [change], false);
      const current = await this.currentByKey(client, change);
      if (!current) throw new TessError(ErrorCode.NOT_FOUND, `${this.label(change)} not found`);
      const merged: Values = {};
      for (const col of this.def.columns)
        merged[col.name] = col.name in change ? change[col.name] : current[col.name];
      checkFields(this.def, merged, true);
      await this.hooks.beforeInsert?.(client, [merged]);
      return (await this.insert(client, merged)) as unknown as RowOf[T];
    });
  }

  /**
   * Adds many new entries in one transaction, streamed with COPY. `ids`, when given,
   * are row ids reserved with `reserveIds` (so other rows written in the same
   * transaction can reference them). Returns the number of rows.
   */
  async addMany(rows: readonly Fields<T>[], options: { ids?: readonly number[] } = {}): Promise<number> {
    return this.bulk(rows, 'add', options.ids);
  }

  /** Adds a new version of many existing entries in one transaction, streamed with COPY. */
  async setMany(rows: readonly Fields<T>[], options: { ids?: readonly number[] } = {}): Promise<number> {
    this.refuseWhenFinal();
    return this.bulk(rows, 'set', options.ids);
  }

  /** Reserves `n` row ids from the table's identity sequence. */
  async reserveIds(n: number): Promise<number[]> {
    const { rows } = await this.ctx.runner.read((c) =>
      c.query(`SELECT nextval(pg_get_serial_sequence($1, $2)) AS id FROM generate_series(1, $3)`, [
        this.tableSql,
        this.def.id,
        n,
      ]),
    );
    return rows.map((r) => r.id);
  }

  // ---- internals ---------------------------------------------------------------------

  private async bulk(
    input: readonly Fields<T>[],
    mode: 'add' | 'set',
    ids?: readonly number[],
  ): Promise<number> {
    this.refuseWhenClockSet();
    if (ids && ids.length !== input.length) {
      throw new TessError(ErrorCode.INVALID, `${this.def.name}: ${ids.length} ids for ${input.length} rows`);
    }
    if (input.length === 0) return 0;
    const rows: Values[] = [];
    for (const fields of input) {
      const scoped = this.hooks.scope ? await this.hooks.scope(fields) : fields;
      const row = checkFields(this.def, scoped, mode === 'add');
      if (mode === 'add') this.generateKey(row);
      rows.push(row);
    }
    await this.canonicalize(rows);
    return this.ctx.runner.write(async (client) => {
      await this.lockKeys(client, rows, true);
      if (this.def.key.length) await this.checkBulkKeys(client, rows, mode);
      await this.hooks.beforeInsert?.(client, rows);
      return copyRows(client, this.def, rows, ids);
    });
  }

  /** For setMany: fill unchanged columns from each entry's current row; for addMany: refuse taken keys. */
  private async checkBulkKeys(client: Client, rows: Values[], mode: 'add' | 'set'): Promise<void> {
    const key = this.def.key;
    const arrays = key.map((k) => rows.map((r) => r[k]));
    const types = key.map((k) => {
      const kind = this.def.columns.find((col) => col.name === k)!.kind;
      return kind === 'timestamptz' ? 'timestamptz[]' : kind === 'text' ? 'text[]' : 'bigint[]';
    });
    const cols = key.map(quoteIdent).join(', ');
    const unnest = key.map((_, i) => `$${i + 1}::${types[i]}`).join(', ');
    const { rows: current } = await client.query(
      `SELECT DISTINCT ON (${cols}) t.* FROM ${this.tableSql} t
       JOIN unnest(${unnest}) AS k(${cols}) USING (${cols})
       ORDER BY ${cols}, t.created DESC, t.${this.idSql} DESC`,
      arrays,
    );
    const keyOf = (r: Values) =>
      JSON.stringify(key.map((k) => (r[k] instanceof Date ? (r[k] as Date).getTime() : r[k])));
    const byKey = new Map(current.map((r) => [keyOf(r), r as Values]));
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const found = byKey.get(keyOf(row));
      if (mode === 'add' && found) throw new TessError(ErrorCode.EXISTS, `${this.label(row)} exists`);
      if (mode === 'set') {
        if (!found) throw new TessError(ErrorCode.NOT_FOUND, `${this.label(row)} not found`);
        const merged: Values = {};
        for (const col of this.def.columns)
          merged[col.name] = col.name in row ? row[col.name] : found[col.name];
        rows[i] = checkFields(this.def, merged, true);
      }
    }
  }

  private async insert(client: Client, row: Values): Promise<Values> {
    const names = this.cols.filter((n) => row[n] !== null && row[n] !== undefined);
    const sql = `INSERT INTO ${this.tableSql} (${names.map(quoteIdent).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`;
    const { rows } = await client.query(
      sql,
      names.map((n) => row[n]),
    );
    return rows[0];
  }

  /** Validates and completes fields: scope, kinds, generated key, entry ids of references. */
  private async prepare(fields: Fields<T>, full: boolean): Promise<Values> {
    const scoped = this.hooks.scope ? await this.hooks.scope(fields) : fields;
    const row = checkFields(this.def, scoped, full);
    if (full) this.generateKey(row);
    await this.canonicalize([row]);
    return row;
  }

  private generateKey(row: Values): void {
    if (this.def.key.length === 1 && this.def.key[0] === 'unique_id' && row['unique_id'] == null) {
      row['unique_id'] = uuidv7();
    }
  }

  /** Replaces every reference by its entry id; a reference to nothing is "not found". */
  private async canonicalize(rows: Values[], lenient = false): Promise<boolean> {
    for (const col of this.def.columns) {
      if (!col.ref) continue;
      const ids = new Set<number>();
      for (const r of rows) if (typeof r[col.name] === 'number') ids.add(r[col.name] as number);
      if (ids.size === 0) continue;
      const ref = col.ref;
      const map = await this.ctx.runner.read((c) => this.ctx.entries.resolve(c, ref, ids));
      for (const r of rows) {
        const v = r[col.name];
        if (typeof v !== 'number') continue;
        const entry = map.get(v);
        if (entry === undefined) {
          if (lenient) return false;
          throw new TessError(ErrorCode.NOT_FOUND, `${ref} ${v} not found (${this.def.name}.${col.name})`);
        }
        r[col.name] = entry;
      }
    }
    return true;
  }

  /** Checks find/list criteria; null when a referenced entry does not exist (nothing can match). */
  private async criteria(criteria: Values): Promise<Values | null> {
    if (!criteria || typeof criteria !== 'object' || Array.isArray(criteria)) {
      throw new TessError(ErrorCode.INVALID, `${this.def.name}: criteria must be an object`);
    }
    const scoped = this.hooks.scope ? await this.hooks.scope(criteria) : criteria;
    const out: Values = {};
    for (const [name, value] of Object.entries(scoped)) {
      const col = this.def.columns.find((cd) => cd.name === name);
      if (!col) throw new TessError(ErrorCode.INVALID, `${this.def.name}.${name} is not a column`);
      out[name] = value === null ? null : checkValue(this.def, { ...col, optional: true }, value);
    }
    return (await this.canonicalize([out], true)) ? out : null;
  }

  private async currentByKey(client: Client, row: Values): Promise<Values | undefined> {
    const key = this.def.key;
    const w = key.map((k, i) => `${quoteIdent(k)} = $${i + 1}`).join(' AND ');
    const { rows } = await client.query(
      `SELECT * FROM ${this.tableSql} WHERE ${w} ORDER BY created DESC, ${this.idSql} DESC LIMIT 1`,
      key.map((k) => row[k]),
    );
    return rows[0];
  }

  /**
   * Serializes writers of the same entry. Single writes lock their key and share a
   * table lock; bulk writes take the table lock exclusively (one lock instead of a
   * million, which the lock table could not hold).
   */
  private async lockKeys(client: Client, rows: Values[], bulk: boolean): Promise<void> {
    if (this.def.key.length === 0) return;
    const table = `tess:${this.def.name}`;
    if (bulk) {
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [table]);
      return;
    }
    await client.query('SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))', [table]);
    for (const row of rows) {
      const key = JSON.stringify(
        this.def.key.map((k) => (row[k] instanceof Date ? (row[k] as Date).toISOString() : row[k])),
      );
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${table}:${key}`]);
    }
  }

  private label(row: Values): string {
    const parts = this.def.label.map((k) => {
      const v = row[k];
      return v instanceof Date ? v.toISOString() : String(v);
    });
    return parts.join(' ');
  }

  private clockParam(): Date | string {
    return this.ctx.clock() ?? 'infinity';
  }

  private refuseWhenClockSet(): void {
    const clock = this.ctx.clock();
    if (clock) {
      throw new TessError(
        ErrorCode.CLOCK_SET,
        `the clock is set to ${clock.toISOString()}: writes are refused (nobody writes into the past); setClock(null) first`,
      );
    }
  }

  private refuseWhenFinal(): void {
    if (!this.def.settable) {
      throw new TessError(
        ErrorCode.IMMUTABLE,
        `${this.def.name} rows cannot be changed: ${this.def.finalReason}`,
      );
    }
  }
}
