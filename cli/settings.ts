import { isIP } from 'node:net';
import { ErrorCode, TessError } from '../engine/errors.js';
import { TIMESCALEDB_CHOICES, type TimescaleChoice } from '../storage/index.js';
import { CREDIT_TOKEN_KEY_MIN, DEFAULT_ADMIN_EMAIL } from '../storage/index.js';

/**
 * Process settings, read once from the environment at start and passed explicitly to
 * everything below; no other module reads process.env.
 */
export interface Settings {
  /**
   * DATABASE_URL; unset, TESS_DEFAULT_DATABASE_URL (for tests and machines whose PostgreSQL
   * is elsewhere by default). @defaultValue postgres://postgres@127.0.0.1:5432/tess
   */
  readonly databaseUrl: string;
  /** REDIS_URL; unset, TESS_DEFAULT_REDIS_URL. @defaultValue redis://127.0.0.1:6379 */
  readonly redisUrl: string;
  /**
   * Whether DATABASE_URL and REDIS_URL were set. A set URL is used as it is; a default one
   * where nothing answers gives way to a server `tess start` runs itself (cli/local).
   * @defaultValue false, false
   */
  readonly urlsSet: { readonly database: boolean; readonly redis: boolean };
  /** HTTP port. @defaultValue 3000 */
  readonly port: number;
  /** HTTP bind address. @defaultValue 0.0.0.0 */
  readonly host: string;
  /** pino level. @defaultValue info */
  readonly logLevel: string;
  /** BullMQ key prefix: deployments sharing one Redis keep apart by it. @defaultValue tess */
  readonly queuePrefix: string;
  /** Clearing threads per worker process. @defaultValue the machine's available parallelism (0) */
  readonly clearingThreads: number;
  /** Lock of a running job; a killed worker's job is retried once it expires. @defaultValue 30000 ms */
  readonly jobLockMs: number;
  /** How often schedulers follow config (new systems, `interval` changes). @defaultValue 2000 ms */
  readonly schedulerSyncMs: number;
  /** Wait after a boundary for orders still committing. @defaultValue 250 ms */
  readonly graceMs: number;
  /** How far back intervals missed during downtime are cleared. @defaultValue 24 h */
  readonly backfillHours: number;
  /**
   * Whether a database is put on TimescaleDB when it is first migrated: auto (when the
   * server offers the extension preloaded), on (refuse a server that cannot), off.
   * @defaultValue auto
   */
  readonly timescaledb: TimescaleChoice;
  /**
   * Age after which TimescaleDB compresses chunks of order, meter, transaction and log
   * (0: never). Applied at start; ignored on plain PostgreSQL. @defaultValue 7 days
   */
  readonly compressAfterDays: number;
  /**
   * The address new systems name in their `admin-email` config. `tess start` requires it
   * when NODE_ENV=production (readSettings), so that a deployment's systems never name
   * the placeholder. @defaultValue admin@localhost
   */
  readonly adminEmail: string;
  /**
   * Which proxies in front of the API to believe about the client's address
   * (X-Forwarded-For), so that rate limits count clients rather than the proxy: false
   * (the socket's address), true (any), a number of hops, or a list of proxy addresses
   * and CIDR ranges. Passed to Fastify's trustProxy. @defaultValue false
   */
  readonly trustProxy: boolean | number | readonly string[];
  /** Requests per minute of one token, all routes together. @defaultValue 3000 */
  readonly tokenRateLimit: number;
  /** Requests per minute of one client address without a token, all routes together. @defaultValue 1200 */
  readonly addressRateLimit: number;
  /**
   * Longest a request may take from its headers to its answer (a slow client sending
   * its body, a database that stopped answering): then 503 UNAVAILABLE. @defaultValue 30000 ms
   */
  readonly requestTimeoutMs: number;
  /** When set, GET /metrics needs `Authorization: Bearer <this>`. @defaultValue '' (public) */
  readonly metricsToken: string;
  /**
   * The key of the credit tokens' HMAC (at least CREDIT_TOKEN_KEY_MIN bytes): only
   * HMAC(key, number) is stored, so whoever knows the key can test numbers against a copy
   * of the database. `tess start` requires it when NODE_ENV=production (readSettings).
   * @defaultValue DEVELOPMENT_CREDIT_TOKEN_KEY, a published key: tokens issued with it are not secret
   */
  readonly creditTokenKey: string;
  /**
   * Secrets of the SMS interfaces, from the environment variables named SMS_SECRET_…
   * (an interface names one in its `secret_env`; the database never holds a secret).
   * @defaultValue {} (none)
   */
  readonly smsSecrets: Readonly<Record<string, string>>;
  /**
   * The API's address as providers reach it (e.g. https://tess.example.org), which
   * Twilio signs its webhooks with; behind a proxy that rewrites the address it must be
   * set. @defaultValue '' (the address each request arrived at)
   */
  readonly publicUrl: string;
}

/** The credit-token key outside production: published here, so tokens issued with it are not secret. */
export const DEVELOPMENT_CREDIT_TOKEN_KEY = 'tess-development-credit-token-key-not-secret';

export const DEFAULTS: Settings = Object.freeze({
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/tess',
  redisUrl: 'redis://127.0.0.1:6379',
  urlsSet: Object.freeze({ database: false, redis: false }),
  port: 3000,
  host: '0.0.0.0',
  logLevel: 'info',
  queuePrefix: 'tess',
  clearingThreads: 0,
  jobLockMs: 30_000,
  schedulerSyncMs: 2_000,
  graceMs: 250,
  backfillHours: 24,
  timescaledb: 'auto',
  compressAfterDays: 7,
  adminEmail: DEFAULT_ADMIN_EMAIL,
  trustProxy: false,
  tokenRateLimit: 3000,
  addressRateLimit: 1200,
  requestTimeoutMs: 30_000,
  metricsToken: '',
  creditTokenKey: DEVELOPMENT_CREDIT_TOKEN_KEY,
  smsSecrets: Object.freeze({}),
  publicUrl: '',
});

/** The start-up warning of a server running on the development credit-token key (else null). */
export const creditTokenKeyNotice = (settings: Settings): string | null =>
  settings.creditTokenKey === DEVELOPMENT_CREDIT_TOKEN_KEY
    ? 'CREDIT_TOKEN_KEY is not set: credit tokens are hashed with the published development key, so tokens issued with it are not secret; set CREDIT_TOKEN_KEY before issuing real ones'
    : null;

/** Every SMS_SECRET_… variable that is set, frozen. */
function smsSecrets(env: NodeJS.ProcessEnv): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('SMS_SECRET_') && value) out[name] = value;
  }
  return Object.freeze(out);
}

function publicUrl(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULTS.publicUrl;
  let parsed: URL | null = null;
  try {
    parsed = new URL(value);
  } catch {}
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.search || parsed.hash) {
    throw new TessError(
      ErrorCode.INVALID,
      `PUBLIC_URL must be the API's http(s) address without query, e.g. https://tess.example.org, not ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/\/+$/, '');
}

function creditTokenKey(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULTS.creditTokenKey;
  if (Buffer.byteLength(value) < CREDIT_TOKEN_KEY_MIN) {
    throw new TessError(
      ErrorCode.INVALID,
      `CREDIT_TOKEN_KEY must be at least ${CREDIT_TOKEN_KEY_MIN} bytes (e.g. openssl rand -base64 32)`,
    );
  }
  return value;
}

function choice<T extends string>(
  env: NodeJS.ProcessEnv,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be one of ${choices.join(', ')}, not ${JSON.stringify(text)}`,
    );
  }
  return text as T;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function url(name: string, value: string | undefined, fallback: string, protocols: string[]): string {
  if (value === undefined || value === '') return fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new TessError(ErrorCode.INVALID, `${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );
  }
  return value;
}

// A practical shape, not RFC 5322: one @, a local part without spaces, control characters
// or the characters that need quoting, and a host name (a single label too, as in admin@localhost).
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const EMAIL = new RegExp(`^[^\\s\\x00-\\x1f\\x7f@"(),:;<>[\\]\\\\]{1,64}@${LABEL}(?:\\.${LABEL})*$`);

function email(name: string, value: string | undefined, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (value.length > 254 || !EMAIL.test(value)) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be an email address (name@host), not ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** TRUST_PROXY: off/false, on/true, a number of hops, or a comma-separated list of addresses and CIDR ranges. */
function trustProxy(value: string | undefined): Settings['trustProxy'] {
  if (value === undefined || value === '' || value === 'off' || value === 'false') return false;
  if (value === 'on' || value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops >= 1 && hops <= 10) return hops;
  }
  const list = value.split(',').map((p) => p.trim());
  const valid = (p: string) => {
    const [address, bits, extra] = p.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || extra !== undefined) return false;
    if (bits === undefined) return true;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  };
  if (list.length === 0 || !list.every(valid)) {
    throw new TessError(
      ErrorCode.INVALID,
      `TRUST_PROXY must be off, on, a number of proxies from 1 to 10, or proxy addresses and CIDR ranges separated by commas; not ${JSON.stringify(value)}`,
    );
  }
  return Object.freeze(list);
}

function secret(name: string, value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (value.length < 16 || value.length > 200 || !/^[\x21-\x7e]+$/.test(value)) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be 16 to 200 printable characters without spaces (it is a password)`,
    );
  }
  return value;
}

/**
 * Reads and validates the settings once. `command` names the command they are for: `start`
 * (which serves the API that creates systems) requires ADMIN_EMAIL in production
 * (NODE_ENV=production), so that a deployment that forgot it does not seed every system
 * with the placeholder; other commands (migrate, dump, token…) work without it.
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env, command?: 'start'): Settings {
  if (command === 'start' && env['NODE_ENV'] === 'production' && !env['ADMIN_EMAIL']) {
    throw new TessError(
      ErrorCode.INVALID,
      'ADMIN_EMAIL is required when NODE_ENV=production: the address new systems name as their administrator',
    );
  }
  const portText = env['PORT'] ?? String(DEFAULTS.port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    throw new TessError(
      ErrorCode.INVALID,
      `PORT must be an integer from 0 to 65535, not ${JSON.stringify(portText)}`,
    );
  }
  const postgres = ['postgres:', 'postgresql:'];
  const redis = ['redis:', 'rediss:'];
  const defaultDatabaseUrl = url(
    'TESS_DEFAULT_DATABASE_URL',
    env['TESS_DEFAULT_DATABASE_URL'],
    DEFAULTS.databaseUrl,
    postgres,
  );
  const defaultRedisUrl = url(
    'TESS_DEFAULT_REDIS_URL',
    env['TESS_DEFAULT_REDIS_URL'],
    DEFAULTS.redisUrl,
    redis,
  );
  const settings: Settings = Object.freeze({
    databaseUrl: url('DATABASE_URL', env['DATABASE_URL'], defaultDatabaseUrl, postgres),
    redisUrl: url('REDIS_URL', env['REDIS_URL'], defaultRedisUrl, redis),
    urlsSet: Object.freeze({ database: Boolean(env['DATABASE_URL']), redis: Boolean(env['REDIS_URL']) }),
    port,
    host: env['HOST'] || DEFAULTS.host,
    logLevel: env['LOG_LEVEL'] || DEFAULTS.logLevel,
    queuePrefix: env['QUEUE_PREFIX'] || DEFAULTS.queuePrefix,
    clearingThreads: integer(env, 'CLEARING_THREADS', DEFAULTS.clearingThreads, 0, 256),
    jobLockMs: integer(env, 'JOB_LOCK_MS', DEFAULTS.jobLockMs, 500, 3_600_000),
    schedulerSyncMs: integer(env, 'SCHEDULER_SYNC_MS', DEFAULTS.schedulerSyncMs, 50, 3_600_000),
    graceMs: integer(env, 'GRACE_MS', DEFAULTS.graceMs, 0, 60_000),
    backfillHours: integer(env, 'BACKFILL_HOURS', DEFAULTS.backfillHours, 0, 24 * 366),
    timescaledb: choice(env, 'TIMESCALEDB', TIMESCALEDB_CHOICES, DEFAULTS.timescaledb),
    compressAfterDays: integer(env, 'COMPRESS_AFTER_DAYS', DEFAULTS.compressAfterDays, 0, 3660),
    adminEmail: email('ADMIN_EMAIL', env['ADMIN_EMAIL'], DEFAULTS.adminEmail),
    trustProxy: trustProxy(env['TRUST_PROXY']),
    tokenRateLimit: integer(env, 'TOKEN_RATE_LIMIT', DEFAULTS.tokenRateLimit, 1, 1_000_000_000),
    addressRateLimit: integer(env, 'ADDRESS_RATE_LIMIT', DEFAULTS.addressRateLimit, 1, 1_000_000_000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', DEFAULTS.requestTimeoutMs, 100, 600_000),
    metricsToken: secret('METRICS_TOKEN', env['METRICS_TOKEN']),
    creditTokenKey: creditTokenKey(env['CREDIT_TOKEN_KEY']),
    smsSecrets: smsSecrets(env),
    publicUrl: publicUrl(env['PUBLIC_URL']),
  });
  // After the values are read, so that a malformed one is told first.
  if (command === 'start' && env['NODE_ENV'] === 'production' && !env['CREDIT_TOKEN_KEY']) {
    throw new TessError(
      ErrorCode.INVALID,
      'CREDIT_TOKEN_KEY is required when NODE_ENV=production: the secret key credit tokens are hashed with',
    );
  }
  return settings;
}
