import type { Access, Actor } from '../rights.js';

/**
 * What each actor may do with clients, sites and datasets (http/rights.ts holds the TESS
 * tables'): operators keep them, accounting reads them (tariffs price the ledger). Sites
 * and their meters' data are a utility's records, not its customers'.
 */
export const DATASET_RESOURCES = ['clients', 'site_info', 'dataset'] as const;
export type DatasetResource = (typeof DATASET_RESOURCES)[number];

type Rights = Partial<Record<DatasetResource, Access>>;

const keep: Rights = { clients: 'write', site_info: 'write', dataset: 'write' };
const read: Rights = { clients: 'read', site_info: 'read', dataset: 'read' };

export const DATASET_RIGHTS: Readonly<Record<Actor, Rights>> = Object.freeze({
  ADMINISTRATOR: keep,
  OPERATOR: keep,
  ACCOUNTING: read,
  CUSTOMER: {},
  TEST: {},
  VENDOR: {},
  DEVICE: {},
  ANONYMOUS: {},
});
