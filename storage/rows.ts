import type { ClientInfoRowOf } from './datasets/rows.js';
import type { Side } from '../engine/book.js';
import type { ClearingFigures } from '../engine/clear-input.js';
import type { GatewayRowOf } from './gateway/rows.js';
import type { LOG_EVENTS, ORDER_STATUS, ROLES, TableName } from './tables.js';

export type * from './gateway/rows.js';

/** Rows as read back: plain objects with the table's column names. Ids are numbers. */
interface Base {
  readonly created: Date;
}
export interface SystemRow extends Base {
  readonly system_id: number;
  readonly name: string;
}
export interface ConfigRow extends Base {
  readonly config_id: number;
  readonly system_id: number;
  readonly name: string;
  readonly value: string | null;
}
export interface ResourceRow extends Base {
  readonly resource_id: number;
  readonly system_id: number;
  readonly name: string;
  readonly quantity_unit: string;
  readonly price_unit: string;
}
export type Role = (typeof ROLES)[number];
export interface UserRow extends Base {
  readonly user_id: number;
  readonly system_id: number;
  readonly name: string;
  readonly role: Role;
  readonly email: string;
}
export interface PreferenceRow extends Base {
  readonly preference_id: number;
  readonly user_id: number;
  readonly name: string;
  readonly value: string | null;
}
export interface DeviceRow extends Base {
  readonly device_id: number;
  readonly user_id: number;
  readonly name: string;
  readonly unique_id: string;
}
export interface SettingRow extends Base {
  readonly setting_id: number;
  readonly device_id: number;
  readonly name: string;
  readonly value: string | null;
}
export interface TokenRow extends Base {
  readonly token_id: number;
  readonly user_id: number;
  readonly device_id: number | null;
  readonly unique_id: string;
  readonly secret_hash: string;
  readonly is_valid: boolean;
}
export type OrderStatus = (typeof ORDER_STATUS)[number];
export interface OrderRow extends Base {
  readonly order_id: number;
  readonly unique_id: string;
  readonly device_id: number;
  readonly resource_id: number;
  readonly interval_start: Date;
  readonly side: Side;
  readonly quantity: number;
  readonly price: number;
  readonly status: OrderStatus;
  readonly cleared_quantity: number;
  readonly price_id: number | null;
}
export interface PriceRow extends Base, ClearingFigures {
  readonly price_id: number;
  readonly resource_id: number;
  readonly interval_start: Date;
  readonly interval_seconds: number;
  /** The carbon intensity in force at the interval's start (the system's `carbon-intensity` dataset); null without. */
  readonly g_co2_per_kwh: number | null;
  /** The cleared energy times that intensity, kg; null without an intensity or for a quantity that is no power. */
  readonly emissions_kg: number | null;
}
export interface MeterRow extends Base {
  readonly meter_id: number;
  readonly device_id: number;
  readonly resource_id: number;
  readonly interval_start: Date;
  readonly quantity: number;
}
export interface TransactionRow extends Base {
  readonly transaction_id: number;
  readonly user_id: number;
  readonly device_id: number;
  readonly order_id: number | null;
  readonly meter_id: number | null;
  /** The market price of a fill or a reading; null for a top-up or a consumption. */
  readonly price_id: number | null;
  readonly amount: number;
  readonly balance: number;
  readonly redemption_id: number | null;
  readonly primary_log_id: number | null;
}
export type LogEvent = (typeof LOG_EVENTS)[number];
export interface LogRow extends Base {
  readonly log_id: number;
  readonly event: LogEvent;
  readonly table_name: string | null;
  readonly message: string;
  readonly actor: string;
}

export interface RowOf extends GatewayRowOf, ClientInfoRowOf {
  system: SystemRow;
  config: ConfigRow;
  resource: ResourceRow;
  user: UserRow;
  preference: PreferenceRow;
  device: DeviceRow;
  setting: SettingRow;
  token: TokenRow;
  order: OrderRow;
  price: PriceRow;
  meter: MeterRow;
  transaction: TransactionRow;
  log: LogRow;
}

/** What an `add` takes: the columns, without id and created; optional ones may be left out. */
export type Fields<T extends TableName> = {
  -readonly [K in Exclude<keyof RowOf[T], 'created' | `${T}_id`>]?: RowOf[T][K] extends Date
    ? Date | string
    : RowOf[T][K];
} & Record<string, unknown>;
