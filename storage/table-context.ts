import type pg from 'pg';
import type { EntryIds } from './entries.js';
import type { Runner } from './runner.js';

export type Client = pg.PoolClient | pg.Client;
export type Values = Record<string, unknown>;

/** Table-specific behaviour plugged into the one generic implementation. */
export interface TableHooks {
  /** Fills columns the caller may leave out (config: the handle's system). */
  scope?(fields: Values): Promise<Values>;
  /** Runs inside the write transaction, after locks, before rows are inserted (balances). */
  beforeInsert?(client: Client, rows: Values[]): Promise<void>;
  /** Runs inside the write transaction after an `add` (a new system's seed config). */
  afterAdd?(client: Client, row: Values): Promise<void>;
}

/** What every table of one database handle shares. */
export interface TableContext {
  readonly runner: Runner;
  /** The as-of time of reads; null means now. */
  readonly clock: () => Date | null;
  readonly entries: EntryIds;
}
