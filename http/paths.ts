import type { TessTableName } from '../storage/index.js';

/** The base path of the HTTP API. */
export const BASE = '/api/v1';

/** The path of each table's resource, under BASE. */
export const TABLE_PATHS: Readonly<Record<TessTableName, string>> = Object.freeze({
  system: 'systems',
  config: 'config',
  resource: 'resources',
  user: 'users',
  preference: 'preferences',
  device: 'devices',
  setting: 'settings',
  token: 'tokens',
  order: 'orders',
  price: 'prices',
  meter: 'meters',
  transaction: 'transactions',
  log: 'log',
});

/** Tables whose entries belong to a system: system_id defaults to the caller's system. */
export const SYSTEM_SCOPED: ReadonlySet<TessTableName> = new Set(['config', 'resource', 'user']);
