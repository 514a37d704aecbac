import { DATASETS, type DatasetType } from '../../engine/datasets/index.js';
import { quoteIdent } from '../connection.js';

/**
 * The SQL names of a dataset type's tables (migration 13): `<type>.metadata` and
 * `<type>.<series>`, and their columns in storage order. One definition for the import,
 * the reads and the dump.
 */
export const metadataSql = (type: DatasetType): string => `${quoteIdent(type)}.metadata`;
export const seriesSql = (type: DatasetType): string =>
  `${quoteIdent(type)}.${quoteIdent(DATASETS[type].series)}`;

/** Metadata columns, created_at first: a dataset is written after the one it supersedes, so loads in this order keep references whole. */
export const metadataColumns = (type: DatasetType): string[] => [
  'created_at',
  'dataset_id',
  'site_id',
  'params',
  'supersedes',
  ...DATASETS[type].metadata.map((m) => m.name),
];

export const seriesColumns = (type: DatasetType): string[] => [
  'dataset_id',
  'start_ts',
  'end_ts',
  ...DATASETS[type].columns.map((c) => c.name),
];
