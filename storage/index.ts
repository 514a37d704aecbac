// The front door of storage: http/, cli/, workers/ and bench/ import storage from here
// only (test/layers.test.ts holds it), so every query runs through a Database handle,
// whose errors come out translated and whose caches are shared.
export type { Database, LogTable, NonconformantOperation } from './database.js';
export { openDatabase } from './database.js';
export type { HandleQueries } from './handle-queries.js';
export { dump, load, type Progress } from './dump.js';
export { createdNotice, databaseName, ensureDatabase, quoteIdent, redactUrl } from './connection.js';
export { isDataError } from './data-errors.js';
export type { DatabaseIdentity } from './identity.js';
export { AlreadyCleared } from './clearing-writer.js';
export type { OpenOrders } from './interval-book.js';
export type { MarketTransaction } from './market-transaction.js';
export type { Market } from './markets.js';
export type { PendingMeter } from './meter-settlement.js';
export { type MigrateCommand, migrate, TIMESCALEDB_CHOICES, type TimescaleChoice } from './migrations.js';
export { isRefusal, translatePgError } from './pg-errors.js';
export { prepareDatabase } from './prepare.js';
// How TESS parses column values: for a raw-SQL baseline (bench/) that should parse as TESS does.
export { TESS_TYPES } from './pg-types.js';
export type { NewOrder } from './queries/orders.js';
export type { Span } from './queries/ownership.js';
export type { PriceBucket, PriceRange } from './queries/prices.js';
export type { PrincipalRow } from './queries/principal.js';
export type * from './rows.js';
export { requireMigrated } from './schema-check.js';
export { DEFAULT_ADMIN_EMAIL } from './seed.js';
export { describeStorage, type StorageMode } from './storage-mode.js';
export type { ListOptions } from './table.js';
export {
  type ColumnDef,
  type ColumnKind,
  TABLE_ORDER,
  TABLES,
  type TableDef,
  type TableName,
  type TessTableName,
  ALL_TABLES,
  CLIENT_INFO_ORDER,
  type ClientInfoTableName,
  GATEWAY_ORDER,
  type GatewayTableName,
} from './tables.js';
export { issueToken, parseToken, publicToken, secretMatches, TOKEN_SHAPE } from './tokens.js';
export { uuidv7 } from './uuid.js';
export { microToDecimal, moneyToMicro, roundTo } from './values.js';
export {
  CREDIT_TOKEN_KEY_MIN,
  hashTokenNumber,
  type IssuedBatch,
  issueTokenBatch,
  type Redeemed,
  redeemToken,
} from './gateway/credit-tokens.js';
export { CHARGE_BATCH, type ChargeOutcome, chargePendingConsumption } from './gateway/consumption.js';
export { GATEWAY_CONFIG, readTariff } from './gateway/tariff-config.js';
export { GATEWAY_SCHEMA, METER_STATUSES } from './gateway/tables.js';
export type { GatewaySystem } from './gateway/systems.js';
export {
  type AlertPassOutcome,
  DEFAULT_LOW_CREDIT,
  DEFAULT_UNRESPONSIVE_AFTER_S,
  type JobPassOutcome,
  runAlertPass,
  runJobPass,
} from './gateway/alert-pass.js';
export { acknowledgeJob, type JobAck, type MeterJob, metersToPush, pullJobs } from './gateway/jobs.js';
export { type JobFilter, listJobs } from './gateway/job-list.js';
export { changeAlert } from './gateway/alert-desk.js';
export {
  currentMessage,
  messagesLeft,
  moveMessage,
  type Outgoing,
  queueMessages,
  type Received,
  receiveMessage,
  recordAttempt,
} from './gateway/messages.js';
export { inSenderOrder, type Savepoint } from './gateway/message-transaction.js';
export { type CustomerUsage, customerUsage } from './gateway/customer-usage.js';
export { meterCircuits } from './gateway/meter-circuits.js';
export { type CircuitActivity, circuitActivity } from './gateway/circuit-activity.js';
export {
  type LogCounts,
  type LogsWritten,
  type PcuLogInput,
  type PrimaryLogInput,
  writeLogs,
} from './gateway/logs.js';
export { type DatasetImport, type ImportResult, importDataset, PARAMS_MAX_BYTES } from './datasets/import.js';
export {
  type DatasetInfo,
  type DatasetRow,
  getDataset,
  type ListOptions as DatasetListOptions,
  listDatasets,
  readWindow,
  valueAt,
} from './datasets/reads.js';
export type { ClientInfoRowOf, ClientRow, SiteRow } from './datasets/rows.js';
export { currentSite } from './datasets/sites.js';
export { CLIENT_INFO_SCHEMA } from './datasets/tables.js';
export {
  type ClientDataPart,
  type ClientDataResult,
  type Sink,
  writeClientData,
} from './datasets/client-data.js';
