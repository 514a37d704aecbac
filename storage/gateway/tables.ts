import {
  ALERT_STATUSES,
  ALERT_TYPES,
  INTERFACE_KINDS,
  JOB_STATES,
  JOB_TYPES,
} from '../../engine/gateway/index.js';
import type { ColumnDef, ColumnKind, TableDef } from '../tables.js';

/**
 * The prepaid gateway's tables (migration 11, schema `gateway`) as data for the generic
 * table mechanism, like storage/tables.ts's TESS tables: add/get/find/set, as-of reads,
 * COPY, dump and load work on them unchanged.
 */
export const GATEWAY_SCHEMA = 'gateway';

export const METER_STATUSES = ['active', 'inactive'] as const;

/** The SMS tables (migration 12): a dump written before them holds every gateway table but these. */
export const SMS_TABLES = ['communication_interface', 'message', 'message_attempt'] as const;
export const MESSAGE_KINDS = ['incoming', 'outgoing', 'job'] as const;
export const MESSAGE_STATES = ['received', 'handled', 'ignored', 'queued', 'sent', 'failed'] as const;

/** The gateway's tables in reference order (dump/load order): each refers only to earlier ones. */
export const GATEWAY_ORDER = [
  'field_meter',
  'account',
  'circuit',
  'token_batch',
  'credit_token',
  'redemption',
  'job',
  'alert',
  'primary_log',
  'pcu_log',
  'communication_interface',
  'message',
  'message_attempt',
] as const;
export type GatewayTableName = (typeof GATEWAY_ORDER)[number];

const c = (name: string, kind: ColumnKind, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  kind,
  ...extra,
});

/** Their definitions, keyed by table name; `ref`s name TESS tables or each other. */
export const GATEWAY_TABLES: Readonly<Record<GatewayTableName, Omit<TableDef, 'name' | 'schema' | 'id'>>> = {
  field_meter: {
    columns: [
      c('system_id', 'bigint', { ref: 'system' }),
      c('device_id', 'bigint', { ref: 'device' }),
      c('name', 'text', { nonEmpty: true }),
      c('phone', 'text', { optional: true }),
      c('location', 'text', { optional: true }),
      c('status', 'text', { optional: true, values: METER_STATUSES, default: 'active' }),
      c('battery_capacity', 'float', { optional: true }),
      c('panel_capacity', 'float', { optional: true }),
      c('time_zone', 'text', { optional: true, default: 'UTC', nonEmpty: true }),
      c('communication_interface', 'text', { optional: true }),
    ],
    key: ['system_id', 'name'],
    label: ['name'],
    settable: true,
  },
  account: {
    columns: [
      c('user_id', 'bigint', { ref: 'user' }),
      c('phone', 'text', { optional: true }),
      c('lang', 'text', { optional: true, default: 'en', nonEmpty: true }),
    ],
    key: ['user_id'],
    label: ['user_id'],
    settable: true,
  },
  circuit: {
    columns: [
      c('system_id', 'bigint', { ref: 'system' }),
      c('device_id', 'bigint', { ref: 'device' }),
      c('field_meter_id', 'bigint', { ref: 'field_meter' }),
      c('pin', 'text'),
      c('energy_max', 'float', { optional: true, positive: true }),
      c('power_max', 'float', { optional: true, positive: true }),
      c('ip_address', 'text', { optional: true }),
    ],
    key: ['system_id', 'pin'],
    label: ['pin'],
    settable: true,
  },
  token_batch: {
    columns: [
      c('system_id', 'bigint', { ref: 'system' }),
      c('unique_id', 'text', { optional: true, nonEmpty: true }),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'a batch once issued is final',
  },
  credit_token: {
    columns: [
      c('token_batch_id', 'bigint', { ref: 'token_batch' }),
      c('number_hash', 'text', { nonEmpty: true }),
      c('value', 'money'),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'a credit token once issued is final',
  },
  redemption: {
    columns: [
      c('credit_token_id', 'bigint', { ref: 'credit_token' }),
      c('circuit_id', 'bigint', { ref: 'circuit' }),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'a redemption is booked money',
  },
  job: {
    columns: [
      c('unique_id', 'text', { optional: true, nonEmpty: true }),
      c('circuit_id', 'bigint', { ref: 'circuit' }),
      c('type', 'text', { values: JOB_TYPES }),
      c('state', 'text', { optional: true, values: JOB_STATES, default: 'pending' }),
      c('sends', 'integer', { optional: true, default: 0 }),
      c('sent_at', 'timestamptz', { optional: true }),
      c('credit', 'money', { optional: true }),
      c('reported', 'text', { optional: true }),
    ],
    key: ['unique_id'],
    label: ['unique_id'],
    settable: true,
  },
  alert: {
    columns: [
      c('unique_id', 'text', { nonEmpty: true }),
      c('system_id', 'bigint', { ref: 'system' }),
      c('field_meter_id', 'bigint', { ref: 'field_meter', optional: true }),
      c('circuit_id', 'bigint', { ref: 'circuit', optional: true }),
      c('type', 'text', { values: ALERT_TYPES }),
      c('began', 'timestamptz'),
      c('ended', 'timestamptz', { optional: true }),
      c('status', 'text', { optional: true, values: ALERT_STATUSES, default: 'open' }),
      c('assignee', 'text', { optional: true }),
      c('resolution', 'text', { optional: true }),
      c('message', 'text', { optional: true, default: '' }),
    ],
    key: ['unique_id'],
    label: ['unique_id'],
    settable: true,
  },
  primary_log: {
    columns: [
      c('circuit_id', 'bigint', { ref: 'circuit' }),
      c('period_start', 'timestamptz'),
      c('period_end', 'timestamptz'),
      c('watthours', 'float', { decimals: 3 }),
      c('power_peak', 'float', { optional: true }),
      c('reported_credit', 'money', { optional: true }),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'a log is a record of what the meter measured',
  },
  pcu_log: {
    columns: [
      c('field_meter_id', 'bigint', { ref: 'field_meter' }),
      c('period_start', 'timestamptz'),
      c('period_end', 'timestamptz'),
      c('solar_wh', 'float', { decimals: 3 }),
      c('battery_wh', 'float', { optional: true, default: 0, decimals: 3 }),
      c('battery_soc', 'float', { optional: true }),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'a log is a record of what the meter measured',
  },
  communication_interface: {
    columns: [
      c('system_id', 'bigint', { ref: 'system' }),
      c('name', 'text', { nonEmpty: true }),
      c('kind', 'text', { values: INTERFACE_KINDS }),
      c('base_url', 'text', { optional: true }),
      c('account', 'text', { optional: true }),
      c('sender', 'text', { optional: true }),
      c('secret_env', 'text', { optional: true }),
      c('status', 'text', { optional: true, values: METER_STATUSES, default: 'active' }),
    ],
    key: ['system_id', 'name'],
    label: ['name'],
    settable: true,
  },
  message: {
    columns: [
      c('unique_id', 'text', { optional: true, nonEmpty: true }),
      c('system_id', 'bigint', { ref: 'system' }),
      c('communication_interface_id', 'bigint', { ref: 'communication_interface' }),
      c('kind', 'text', { values: MESSAGE_KINDS }),
      c('phone', 'text', { nonEmpty: true }),
      c('body', 'text'),
      c('state', 'text', { values: MESSAGE_STATES }),
      c('field_meter_id', 'bigint', { ref: 'field_meter', optional: true }),
      c('circuit_id', 'bigint', { ref: 'circuit', optional: true }),
      c('job_id', 'bigint', { ref: 'job', optional: true }),
      c('in_reply_to', 'bigint', { ref: 'message', optional: true }),
      c('provider_id', 'text', { optional: true }),
      c('detail', 'text', { optional: true }),
    ],
    key: ['unique_id'],
    label: ['unique_id'],
    settable: true,
  },
  message_attempt: {
    columns: [
      c('message_id', 'bigint', { ref: 'message' }),
      c('attempt', 'integer'),
      c('started', 'timestamptz'),
      c('ended', 'timestamptz'),
      c('ok', 'boolean'),
      c('http_status', 'integer', { optional: true }),
      c('provider_id', 'text', { optional: true }),
      c('reason', 'text', { optional: true }),
    ],
    key: [],
    label: [],
    settable: false,
    finalReason: 'an attempt is a record of what was tried',
  },
};
