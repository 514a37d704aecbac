import { ErrorCode, TessError } from '../engine/errors.js';
import { copyRows } from './copy.js';
import type { Fields, RowOf } from './rows.js';
import type { Client, TableContext, TableHooks, Values } from './table-context.js';
import { prepareCriteria, prepareRow, prepareRows } from './table-input.js';
import { checkBulkKeys, currentByKey, label, lockKeys, withCurrent } from './table-keys.js';
import { type ClockParam, type ListOptions, type Statement, TableSql } from './table-sql.js';
import type { TableDef, TableName } from './tables.js';
import { checkFields } from './values.js';

export type { TableContext, TableHooks } from './table-context.js';
export type { ListOptions } from './table-sql.js';

/**
 * add / get / find / set (and COPY-streamed addMany / setMany) for any TESS table,
 * driven by its TableDef. Writes take an advisory lock on the entry's natural key, so
 * the "{key} exists" and "{key} not found" checks hold under concurrency on tables
 * that cannot have a unique index (versions share their key; hypertables need `created`
 * in every unique index).
 *
 * This class is the order of the steps; what they do lives beside it: input checks in
 * table-input.ts, statements in table-sql.ts, natural-key locks and checks in table-keys.ts.
 */
export class Table<T extends TableName> {
  private readonly sql: TableSql;

  constructor(
    readonly def: TableDef,
    private readonly ctx: TableContext,
    private readonly hooks: TableHooks = {},
  ) {
    this.sql = TableSql.of(def);
  }

  // ---- reads -------------------------------------------------------------------------

  /** The row with this id, or null (also when it was created after the clock). */
  async get(id: number): Promise<RowOf[T] | null> {
    if (!Number.isSafeInteger(id))
      throw new TessError(ErrorCode.INVALID, `${this.def.id} must be an integer`);
    const { sql, params } = this.sql.get(this.clockParam(), id);
    const { rows } = await this.ctx.runner.read((c) => c.query(sql, params));
    return (rows[0] as RowOf[T]) ?? null;
  }

  /**
   * The id of the row in effect at the clock of the one entry matching `criteria`
   * (column equality on that row); null when none; "result is not unique" when several.
   */
  async find(criteria: Values): Promise<number | null> {
    const crit = await prepareCriteria(this.def, this.ctx, this.hooks, criteria);
    if (crit === null) return null;
    const { sql, params } = this.findSql(crit);
    const { rows } = await this.ctx.runner.read((c) => c.query(sql, params));
    if (rows.length > 1) throw new TessError(ErrorCode.NOT_UNIQUE, 'result is not unique');
    return rows[0]?.id ?? null;
  }

  /** The SQL of `find`, exposed so tests can EXPLAIN it. */
  findSql(crit: Values): Statement {
    return this.sql.find(this.clockParam(), crit);
  }

  /** The current version (at the clock) of each entry, ordered by id, with cursor paging. */
  async list(options: ListOptions = {}): Promise<RowOf[T][]> {
    const q = await this.listSql(options);
    if (q === null) return [];
    const { rows } = await this.ctx.runner.read((c) => c.query(q.sql, q.params));
    return rows as RowOf[T][];
  }

  /** The statement `list` runs (null: the criteria name an entry that does not exist). */
  async listSql(options: ListOptions = {}): Promise<Statement | null> {
    const crit = await prepareCriteria(this.def, this.ctx, this.hooks, options.where ?? {});
    if (crit === null) return null;
    return this.sql.list(this.clockParam(), crit, options);
  }

  // ---- writes ------------------------------------------------------------------------

  /** Defines a new entry; "{key} exists" when its natural key is taken. Returns the row. */
  async add(fields: Fields<T>): Promise<RowOf[T]> {
    this.refuseWhenClockSet();
    const row = await prepareRow(this.def, this.ctx, this.hooks, fields, true);
    return this.ctx.runner.write(async (client) => {
      await lockKeys(client, this.def, [row], false);
      if (this.def.key.length && (await currentByKey(client, this.sql, row))) {
        throw new TessError(ErrorCode.EXISTS, `${label(this.def, row)} exists`);
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
    const change = await prepareRow(this.def, this.ctx, this.hooks, fields, false);
    const missing = this.def.key.filter((k) => change[k] === undefined || change[k] === null);
    if (missing.length) {
      throw new TessError(
        ErrorCode.INVALID,
        `${this.def.name}: set needs the natural key (${missing.join(', ')})`,
      );
    }
    return this.ctx.runner.write(async (client) => {
      await lockKeys(client, this.def, [change], false);
      const current = await currentByKey(client, this.sql, change);
      if (!current) throw new TessError(ErrorCode.NOT_FOUND, `${label(this.def, change)} not found`);
      const merged = withCurrent(this.def, change, current);
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
    const { sql, params } = this.sql.reserveIds(n);
    const { rows } = await this.ctx.runner.read((c) => c.query(sql, params));
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
    const rows = await prepareRows(this.def, this.ctx, this.hooks, input, mode === 'add');
    return this.ctx.runner.write(async (client) => {
      await lockKeys(client, this.def, rows, true);
      if (this.def.key.length) await checkBulkKeys(client, this.sql, rows, mode);
      await this.hooks.beforeInsert?.(client, rows);
      return copyRows(client, this.def, rows, ids);
    });
  }

  private async insert(client: Client, row: Values): Promise<Values> {
    const { sql, params } = this.sql.insert(row);
    const { rows } = await client.query(sql, params);
    return rows[0];
  }

  private clockParam(): ClockParam {
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
