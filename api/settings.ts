import { ErrorCode, TessError } from '../engine/errors.js';

/**
 * Process settings, read once from the environment at start and passed explicitly to
 * everything below; no other module reads process.env.
 */
export interface Settings {
  /** @defaultValue postgres://postgres@127.0.0.1:5432/tess */
  readonly databaseUrl: string;
  /** @defaultValue redis://127.0.0.1:6379 */
  readonly redisUrl: string;
  /** HTTP port. @defaultValue 3000 */
  readonly port: number;
  /** HTTP bind address. @defaultValue 0.0.0.0 */
  readonly host: string;
  /** pino level. @defaultValue info */
  readonly logLevel: string;
}

export const DEFAULTS: Settings = Object.freeze({
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/tess',
  redisUrl: 'redis://127.0.0.1:6379',
  port: 3000,
  host: '0.0.0.0',
  logLevel: 'info',
});

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

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const portText = env['PORT'] ?? String(DEFAULTS.port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    throw new TessError(
      ErrorCode.INVALID,
      `PORT must be an integer from 0 to 65535, not ${JSON.stringify(portText)}`,
    );
  }
  return Object.freeze({
    databaseUrl: url('DATABASE_URL', env['DATABASE_URL'], DEFAULTS.databaseUrl, ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', env['REDIS_URL'], DEFAULTS.redisUrl, ['redis:', 'rediss:']),
    port,
    host: env['HOST'] || DEFAULTS.host,
    logLevel: env['LOG_LEVEL'] || DEFAULTS.logLevel,
  });
}
