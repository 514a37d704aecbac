import type { ColumnDef, ColumnKind, TableDef } from '../tables.js';

/**
 * The clients and their sites (migration 13, schema `client_info`, seed 002) as data for
 * the generic table mechanism, like the gateway's (storage/gateway/tables.ts): add/get/
 * find/set, as-of reads, COPY, dump and load work on them unchanged. A site belongs to a
 * TESS system; its datasets (storage/datasets/) name it by its site_id.
 */
export const CLIENT_INFO_SCHEMA = 'client_info';

export const CLIENT_INFO_ORDER = ['clients', 'site_info'] as const;
export type ClientInfoTableName = (typeof CLIENT_INFO_ORDER)[number];

const c = (name: string, kind: ColumnKind, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  kind,
  ...extra,
});

/** Their definitions: seed 002's names (a table `clients`, ids client_id and site_id). */
export const CLIENT_INFO_TABLES: Readonly<Record<ClientInfoTableName, Omit<TableDef, 'name' | 'schema'>>> = {
  clients: {
    id: 'client_id',
    columns: [c('system_id', 'bigint', { ref: 'system' }), c('name', 'text', { nonEmpty: true })],
    key: ['system_id', 'name'],
    label: ['name'],
    settable: true,
  },
  site_info: {
    id: 'site_info_id',
    columns: [
      c('site_id', 'text', { nonEmpty: true }),
      c('client_id', 'bigint', { ref: 'clients' }),
      c('system_id', 'bigint', { ref: 'system' }),
      c('name', 'text', { nonEmpty: true }),
      c('address', 'text', { optional: true }),
      c('latitude', 'float', { optional: true }),
      c('longitude', 'float', { optional: true }),
      c('time_zone', 'text', { optional: true, default: 'UTC', nonEmpty: true }),
    ],
    key: ['site_id'],
    label: ['site_id'],
    settable: true,
  },
};
