/** Datasets (seed 002): their types, site ids, and the checks of their rows. Pure. */
export * from './coverage.js';
export * from './dataset-types.js';
export * from './instant.js';
export * from './series-rows.js';
export * from './site-id.js';
export * from './csv-rows.js';
export * from './csv-records.js';
export * from './emissions.js';
export * from './samples.js';
