export type { Database, LogTable, NonconformantOperation } from './database.js';
export { openDatabase } from './database.js';
export { dump, load } from './dump.js';
export { ensureDatabase } from './connection.js';
export { migrate } from './migrations.js';
export { requireMigrated } from './schema-check.js';
export type * from './rows.js';
export type { ListOptions } from './table.js';
export { TABLES, TABLE_ORDER, type TableName } from './tables.js';
