import { ErrorCode, TessError } from '../engine/errors.js';
import type { TableContext, TableHooks, Values } from './table-context.js';
import type { TableDef } from './tables.js';
import { uuidv7 } from './uuid.js';
import { checkFields, checkValue } from './values.js';

/**
 * What callers hand a table, checked and completed before any write or read statement is
 * built: the table's scope, column kinds, a generated key, and references turned into
 * entry ids (so a reference to any version of an entry names the entry).
 */

/** Validates and completes the fields of one add (`full`) or set. */
export async function prepareRow(
  def: TableDef,
  ctx: TableContext,
  hooks: TableHooks,
  fields: Values,
  full: boolean,
): Promise<Values> {
  const row = checkRow(def, hooks.scope ? await hooks.scope(fields) : fields, full);
  await canonicalize(def, ctx, [row]);
  return row;
}

/** `prepareRow` for the rows of a bulk write, references resolved in one pass per column. */
export async function prepareRows(
  def: TableDef,
  ctx: TableContext,
  hooks: TableHooks,
  input: readonly Values[],
  full: boolean,
): Promise<Values[]> {
  const rows: Values[] = [];
  for (const fields of input)
    rows.push(checkRow(def, hooks.scope ? await hooks.scope(fields) : fields, full));
  await canonicalize(def, ctx, rows);
  return rows;
}

/** Checks find/list criteria; null when a referenced entry does not exist (nothing can match). */
export async function prepareCriteria(
  def: TableDef,
  ctx: TableContext,
  hooks: TableHooks,
  criteria: Values,
): Promise<Values | null> {
  if (!criteria || typeof criteria !== 'object' || Array.isArray(criteria)) {
    throw new TessError(ErrorCode.INVALID, `${def.name}: criteria must be an object`);
  }
  const scoped = hooks.scope ? await hooks.scope(criteria) : criteria;
  const out: Values = {};
  for (const [name, value] of Object.entries(scoped)) {
    const col = def.columns.find((cd) => cd.name === name);
    if (!col) throw new TessError(ErrorCode.INVALID, `${def.name}.${name} is not a column`);
    out[name] = value === null ? null : checkValue(def, { ...col, optional: true }, value);
  }
  return (await canonicalize(def, ctx, [out], true)) ? out : null;
}

/**
 * Kinds and required columns checked; a new entry of a table keyed by `unique_id` alone
 * gets a time-ordered one when it has none.
 */
function checkRow(def: TableDef, scoped: Values, full: boolean): Values {
  const row = checkFields(def, scoped, full);
  if (full && def.key.length === 1 && def.key[0] === 'unique_id' && row['unique_id'] == null) {
    row['unique_id'] = uuidv7();
  }
  return row;
}

/**
 * Replaces every reference by its entry id; a reference to nothing is "not found", or,
 * when `lenient`, makes the result false.
 */
async function canonicalize(
  def: TableDef,
  ctx: TableContext,
  rows: Values[],
  lenient = false,
): Promise<boolean> {
  for (const col of def.columns) {
    if (!col.ref) continue;
    const ids = new Set<number>();
    for (const r of rows) if (typeof r[col.name] === 'number') ids.add(r[col.name] as number);
    if (ids.size === 0) continue;
    const ref = col.ref;
    const map = await ctx.runner.read((c) => ctx.entries.resolve(c, ref, ids));
    for (const r of rows) {
      const v = r[col.name];
      if (typeof v !== 'number') continue;
      const entry = map.get(v);
      if (entry === undefined) {
        if (lenient) return false;
        throw new TessError(ErrorCode.NOT_FOUND, `${ref} ${v} not found (${def.name}.${col.name})`);
      }
      r[col.name] = entry;
    }
  }
  return true;
}
