import { type TObject, type TOptional, type TSchema, type TString, Type } from '@sinclair/typebox';
import type { ColumnDef, TableDef } from '../storage/index.js';
import { MAX_TEXT_LENGTH } from './limits.js';

/** TypeBox schemas of the API, most of them derived from storage's table definitions. */

export const INT_PATTERN = '^[0-9]{1,15}$';

/** A row id in a body: a positive safe integer. */
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
export const Time = Type.String({ format: 'date-time' });
/** A string from a fixed list (JSON Schema enum, so errors list the allowed values), typed as that list. */
export const OneOf = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable error code (see README, HTTP API)' }),
      message: Type.String(),
    }),
  },
  { $id: 'Error' },
);

function columnSchema(col: ColumnDef): TSchema {
  switch (col.kind) {
    case 'text':
      return col.values ? OneOf(col.values) : Type.String({ maxLength: MAX_TEXT_LENGTH });
    case 'bigint':
      return col.ref
        ? Id
        : Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
    case 'integer':
      return Type.Integer({ minimum: -(2 ** 31 - 1), maximum: 2 ** 31 - 1 });
    case 'float':
    case 'money':
      return Type.Number();
    case 'boolean':
      return Type.Boolean();
    case 'timestamptz':
      return Time;
  }
}

/** Columns a response never shows. */
const HIDDEN: Readonly<Record<string, readonly string[]>> = { token: ['secret_hash'] };

/** A row as the API returns it. */
export function rowSchema(def: TableDef): TObject {
  const hidden = HIDDEN[def.name] ?? [];
  const props: Record<string, TSchema> = { [def.id]: Type.Integer() };
  for (const col of def.columns) {
    if (hidden.includes(col.name)) continue;
    const s = columnSchema(col);
    props[col.name] = col.optional && col.default === undefined ? Nullable(s) : s;
  }
  props['created'] = Time;
  return Type.Object(props, { $id: `${def.name}Row`, additionalProperties: false });
}

export function listSchema(def: TableDef): TObject {
  return Type.Object({
    items: Type.Array(Type.Ref(`${def.name}Row`)),
    next: Nullable(
      Type.Integer({ description: 'cursor: pass as after= for the next page; null at the end' }),
    ),
  });
}

/**
 * Body of an add (`full`) or a set: the table's columns, unknown fields refused. A set
 * needs the natural key; columns of the caller's system (system_id) may be left out.
 */
export function bodySchema(def: TableDef, full: boolean, defaulted: readonly string[] = []): TObject {
  const props: Record<string, TSchema> = {};
  const required: string[] = [];
  for (const col of def.columns) {
    const s = columnSchema(col);
    props[col.name] = col.optional ? Nullable(s) : s;
    const needed = full ? !col.optional : def.key.includes(col.name);
    if (needed && !defaulted.includes(col.name)) required.push(col.name);
  }
  const schema = Type.Object(props, { additionalProperties: false });
  return { ...schema, required } as TObject;
}

/** The query of a table's collection GET: every parameter an optional string. */
export type TableQuery = TObject<Record<string, TOptional<TString>>>;

/** Query of GET on a table: as-of, paging, and equality filters on columns. */
export function tableQuerySchema(def: TableDef, extra: Record<string, TString> = {}): TableQuery {
  const props: Record<string, TString> = {
    asof: Type.String({ description: 'ISO-8601 time: answer as of then' }),
    after: Type.String({ pattern: INT_PATTERN, description: 'cursor from a previous page' }),
    limit: Type.String({ pattern: INT_PATTERN, description: 'page size, 1 to 1000 (default 100)' }),
  };
  for (const col of def.columns) {
    if (col.name === 'secret_hash') continue;
    props[col.name] = Type.String({ description: `${col.name} equals (all key columns: find one entry)` });
  }
  const all = { ...props, ...extra };
  return Type.Object(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Type.Optional(v)])), {
    additionalProperties: false,
  });
}

/** Query of a read of one row: as of a time, or now. */
export const AsofQuery = Type.Object(
  { asof: Type.Optional(Type.String({ description: 'ISO-8601 time: answer as of then' })) },
  { additionalProperties: false },
);

export const IdParams = Type.Object(
  { id: Type.String({ pattern: INT_PATTERN }) },
  { additionalProperties: false },
);

/** The schema of a PUT that changes an entry of `def` named by its natural key in `body`. */
export const changeSchema = (def: TableDef, tags: string[], body: TObject) => ({
  tags,
  summary: `change a ${def.name} (the body names it by its natural key: ${def.key.join(', ')})`,
  body,
  response: { 200: Type.Ref(`${def.name}Row`), '4xx': Type.Ref('Error') },
});

/** The schema of a POST that adds an entry of `def` (answered 201 with its row unless `responses` say otherwise). */
export const addSchema = (
  def: TableDef,
  tags: string[],
  body: TObject,
  summary: string,
  responses: Record<number, TSchema> = { 201: Type.Ref(`${def.name}Row`) },
) => ({ tags, summary, body, response: { ...responses, '4xx': Type.Ref('Error') } });
