import { CLEARING_TYPES } from '../engine/auction.js';
import { SIDES } from '../engine/book.js';
import {
  CLIENT_INFO_ORDER,
  CLIENT_INFO_SCHEMA,
  CLIENT_INFO_TABLES,
  type ClientInfoTableName,
} from './datasets/tables.js';
import { GATEWAY_ORDER, GATEWAY_SCHEMA, GATEWAY_TABLES, type GatewayTableName } from './gateway/tables.js';

/**
 * The thirteen TESS tables, and the prepaid gateway's (storage/gateway/tables.ts), as data. Every generic operation (add/get/find/set, COPY,
 * dump/load, the HTTP resources) is driven by these definitions.
 *
 * Glossary
 * - row: one immutable version, named by `<table>_id`.
 * - entry: all rows sharing a natural key; its state at a time is its newest row with
 *   `created` at or before that time. `set` adds a row to an entry, `add` starts one.
 * - entry id: the id of an entry's first row. Reference columns (system_id, user_id,
 *   device_id, resource_id) always hold entry ids, so they stay valid across `set`s.
 * - as-of: reading the state in effect at a past time (setClock, `asof=`).
 */

export type ColumnKind = 'text' | 'bigint' | 'float' | 'boolean' | 'timestamptz' | 'money' | 'integer';

export interface ColumnDef {
  readonly name: string;
  readonly kind: ColumnKind;
  /** The table whose entry this column references. */
  readonly ref?: TableName;
  /** Nullable or defaulted by the database: may be left out of an `add`. */
  readonly optional?: boolean;
  /** Allowed values. */
  readonly values?: readonly string[];
  /** The value of an omitted optional column (the same as the column's SQL default). */
  readonly default?: string | number | boolean;
  /**
   * Decimal places kept: energy and power quantities are exact in millionths of their
   * unit, so a stored quantity and the engine's integer micro-units always agree.
   */
  readonly decimals?: number;
  /** Must be greater than zero (after rounding to `decimals`). */
  readonly positive?: boolean;
  /** Text that may not be empty: an identifier (an empty unique_id would name an entry by nothing). */
  readonly nonEmpty?: boolean;
}

export { CLIENT_INFO_ORDER, type ClientInfoTableName, GATEWAY_ORDER, type GatewayTableName };
/** The thirteen TESS tables (the generic HTTP resources serve these). */
export type TessTableName = Exclude<TableName, GatewayTableName | ClientInfoTableName>;

export type TableName =
  | GatewayTableName
  | ClientInfoTableName
  | 'system'
  | 'config'
  | 'resource'
  | 'user'
  | 'preference'
  | 'device'
  | 'setting'
  | 'token'
  | 'order'
  | 'price'
  | 'meter'
  | 'transaction'
  | 'log';

export interface TableDef {
  readonly name: TableName;
  /** The PostgreSQL schema of a subject's own tables; the TESS tables' is the connection's. */
  readonly schema?: string;
  readonly id: string;
  /** Columns other than the id and `created`, in storage order. */
  readonly columns: readonly ColumnDef[];
  /** Natural key: what `find` and `set` address. Empty for add-only tables (each row is its own entry). */
  readonly key: readonly string[];
  /** Key columns that name the entry in messages ("{label} exists"). */
  readonly label: readonly string[];
  /** Whether `set` may add versions. Cleared prices, money and the log are final. */
  readonly settable: boolean;
  /** Why `set` is refused, when it is. */
  readonly finalReason?: string;
}

export const ROLES = ['ADMINISTRATOR', 'OPERATOR', 'ACCOUNTING', 'CUSTOMER', 'TEST', 'VENDOR'] as const;
export const LOG_EVENTS = [
  'CREATE',
  'INSERT',
  'UPDATE',
  'DELETE',
  'ALTER',
  'LOAD',
  'DUMP',
  'BACKUP',
  'RESTORE',
] as const;
export const ORDER_STATUS = ['OPEN', 'CANCELLED', 'CLEARED'] as const;

const c = (name: string, kind: ColumnKind, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  kind,
  ...extra,
});

export const TABLES: Readonly<Record<TableName, TableDef>> = Object.freeze({
  system: {
    name: 'system',
    id: 'system_id',
    columns: [c('name', 'text')],
    key: ['name'],
    label: ['name'],
    settable: true,
  },
  config: {
    name: 'config',
    id: 'config_id',
    columns: [
      c('system_id', 'bigint', { ref: 'system' }),
      c('name', 'text'),
      c('value', 'text', { optional: true }),
    ],
    key: ['system_id', 'name'],
    label: ['name'],
    settable: true,
  },
  resource: {
    name: 'resource',
    id: 'resource_id',
    columns: [
      c('system_id', 'bigint', { ref: 'system' }),
      c('name', 'text'),
      c('quantity_unit', 'text', { optional: true, default: 'MW' }),
      c('price_unit', 'text', { optional: true, default: '$/MWh' }),
    ],
    key: ['system_id', 'name'],
    label: ['name'],
    settable: true,
  },
  user: {
    name: 'user',
    id: 'user_id',
    columns: [
      c('system_id', 'bigint', { ref: 'system' }),
      c('name', 'text'),
      c('role', 'text', { optional: true, values: ROLES, default: 'CUSTOMER' }),
      c('email', 'text'),
    ],
    key: ['system_id', 'email'],
    label: ['email'],
    settable: true,
  },
  preference: {
    name: 'preference',
    id: 'preference_id',
    columns: [
      c('user_id', 'bigint', { ref: 'user' }),
      c('name', 'text'),
      c('value', 'text', { optional: true }),
    ],
    key: ['user_id', 'name'],
    label: ['name'],
    settable: true,
  },
  device: {
    name: 'device',
    id: 'device_id',
    columns: [
      c('user_id', 'bigint', { ref: 'user' }),
      c('name', 'text'),
      c('unique_id', 'text', { optional: true, nonEmpty: true }),
    ],
    key: ['unique_id'],
    label: ['unique_id'],
    settable: true,
  },
  setting: {
    name: 'setting',
    id: 'setting_id',
    columns: [
      c('device_id', 'bigint', { ref: 'device' }),
      c('name', 'text'),
      c('value', 'text', { optional: true }),
    ],
    key: ['device_id', 'name'],
    label: ['name'],
    settable: true,
  },
  token: {
    name: 'token',
    id: 'token_id',
    columns: [
      c('user_id', 'bigint', { ref: 'user' }),
      c('device_id', 'bigint', { ref: 'device', optional: true }),
      c('unique_id', 'text', { optional: true, nonEmpty: true }),
      c('secret_hash', 'text'),
      c('is_valid', 'boolean', { optional: true, default: true }),
    ],
    key: ['unique_id'],
    label: ['unique_id'],
    settable: true,
  },
  order: {
    name: 'order',
    id: 'order_id',
    columns: [
      c('unique_id', 'text', { optional: true, nonEmpty: true }),
      c('device_id', 'bigint', { ref: 'device' }),
      c('resource_id', 'bigint', { ref: 'resource' }),
      c('interval_start', 'timestamptz'),
      c('side', 'text', { values: SIDES }),
      c('quantity', 'float', { decimals: 6, positive: true }),
      c('price', 'float'),
      c('status', 'text', { optional: true, values: ORDER_STATUS, default: 'OPEN' }),
      c('cleared_quantity', 'float', { optional: true, default: 0, decimals: 6 }),
      c('price_id', 'bigint', { optional: true }),
    ],
    key: ['unique_id'],
    label: ['unique_id'],
    settable: true,
  },
  price: {
    name: 'price',
    id: 'price_id',
    columns: [
      c('resource_id', 'bigint', { ref: 'resource' }),
      c('interval_start', 'timestamptz'),
      c('interval_seconds', 'integer', { optional: true, default: 300 }),
      c('price', 'float'),
      c('quantity', 'float'),
      c('type', 'text', { values: CLEARING_TYPES }),
      c('marginal_quantity', 'float', { optional: true, default: 0 }),
      c('marginal_frac', 'float', { optional: true, default: 0 }),
      c('buyer_total', 'float', { optional: true, default: 0 }),
      c('seller_total', 'float', { optional: true, default: 0 }),
      // The grid's carbon intensity then and the interval's emissions (migration 14).
      c('g_co2_per_kwh', 'float', { optional: true }),
      c('emissions_kg', 'float', { optional: true }),
    ],
    key: ['resource_id', 'interval_start'],
    label: ['interval_start'],
    settable: false,
    finalReason: 'a cleared price is final',
  },
  meter: {
    name: 'meter',
    id: 'meter_id',
    columns: [
      c('device_id', 'bigint', { ref: 'device' }),
      c('resource_id', 'bigint', { ref: 'resource' }),
      c('interval_start', 'timestamptz'),
      c('quantity', 'float', { decimals: 6 }),
    ],
    key: ['device_id', 'resource_id', 'interval_start'],
    label: ['interval_start'],
    settable: true,
  },
  transaction: {
    name: 'transaction',
    id: 'transaction_id',
    columns: [
      c('user_id', 'bigint', { ref: 'user' }),
      c('device_id', 'bigint', { ref: 'device' }),
      // Exactly one source: a fill, a meter reading, a top-up or a consumption (migration 11).
      c('order_id', 'bigint', { optional: true }),
      c('meter_id', 'bigint', { optional: true }),
      c('price_id', 'bigint', { optional: true }),
      c('amount', 'money'),
      c('balance', 'money', { optional: true }),
      c('redemption_id', 'bigint', { optional: true }),
      c('primary_log_id', 'bigint', { optional: true }),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'money once booked is final; book a correcting transaction instead',
  },
  log: {
    name: 'log',
    id: 'log_id',
    columns: [
      c('event', 'text', { values: LOG_EVENTS }),
      c('table_name', 'text', { optional: true }),
      c('message', 'text'),
      c('actor', 'text', { optional: true }),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'the log is a record of what happened',
  },
  ...(Object.fromEntries(
    Object.entries(GATEWAY_TABLES).map(([name, def]) => [
      name,
      { ...def, name, schema: GATEWAY_SCHEMA, id: `${name}_id` },
    ]),
  ) as Record<GatewayTableName, TableDef>),
  ...(Object.fromEntries(
    Object.entries(CLIENT_INFO_TABLES).map(([name, def]) => [
      name,
      { ...def, name, schema: CLIENT_INFO_SCHEMA },
    ]),
  ) as Record<ClientInfoTableName, TableDef>),
});

/**
 * The TESS tables in an order where every reference points to an earlier table. The
 * generic HTTP resources serve these; a subject's tables have routes of their own.
 */
export const TABLE_ORDER: readonly TessTableName[] = [
  'system',
  'config',
  'resource',
  'user',
  'preference',
  'device',
  'setting',
  'token',
  'order',
  'price',
  'meter',
  'transaction',
  'log',
];

/** Every table, in reference order (dump and load). */
export const ALL_TABLES: readonly TableName[] = [...TABLE_ORDER, ...GATEWAY_ORDER, ...CLIENT_INFO_ORDER];

export const allColumns = (def: TableDef): string[] => [
  def.id,
  ...def.columns.map((col) => col.name),
  'created',
];
