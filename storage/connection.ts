import pg from 'pg';
import { ErrorCode, TessError } from '../engine/errors.js';
import { TESS_TYPES } from './pg-types.js';

const START_HINT = 'start it with `docker compose up -d postgres redis`';
/** What a command that needs a migrated database tells the user to run first. */
export const MIGRATE_HINT = 'run `tess migrate up` or `npm start` first';

/** The database a URL names, or '' when it names none. */
export function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
]);

/** Turns a failure to connect into one clear sentence; other errors pass through. */
export function translateConnectError(err: unknown, url: string): unknown {
  const code = (err as { code?: string } | null)?.code;
  if (code && (UNREACHABLE.has(code) || code === '57P03')) {
    return new TessError(
      ErrorCode.UNAVAILABLE,
      `cannot reach PostgreSQL at ${redactUrl(url)} (${code}); ${START_HINT}`,
      {
        cause: err,
      },
    );
  }
  // 3D000 invalid_catalog_name: the server is up but the database was never created.
  if (code === '3D000') {
    return new TessError(
      ErrorCode.UNAVAILABLE,
      `database "${databaseName(url)}" does not exist at ${redactUrl(url)}; ${MIGRATE_HINT}`,
      { cause: err },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new TessError(
      ErrorCode.UNAVAILABLE,
      `PostgreSQL at ${redactUrl(url)} refused the credentials (${code})`,
      {
        cause: err,
      },
    );
  }
  return err;
}

/** What becomes of an idle connection's error when its opener names no handler: a process warning. */
export const warnConnectionLost = (err: Error): void => {
  process.emitWarning(`an idle PostgreSQL connection failed: ${err.message}`, { code: 'TESS_PG_IDLE_ERROR' });
};

/**
 * A pool of TESS connections. An idle client that loses its server must not crash the
 * process (the next query reports the outage to its caller), but the loss is reported
 * to `onError`, never dropped.
 */
export function newPool(url: string, max = 10, onError: (err: Error) => void = warnConnectionLost): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 10_000,
    types: TESS_TYPES,
  });
  pool.on('error', onError);
  return pool;
}

/** Connects one client, translating connection failures. */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, types: TESS_TYPES });
  client.on('error', warnConnectionLost);
  try {
    await client.connect();
  } catch (err) {
    throw translateConnectError(err, url);
  }
  return client;
}

/** Quotes an identifier for SQL text; identifiers never come from users unchecked. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A table's name for SQL text: schema-qualified for a subject's own tables. */
export function tableSql(def: { readonly name: string; readonly schema?: string }): string {
  return def.schema ? `${quoteIdent(def.schema)}.${quoteIdent(def.name)}` : quoteIdent(def.name);
}

/** What a command that created the database says, so that a mistyped name is visible. */
export function createdNotice(url: string): string {
  return `created database "${databaseName(url)}" (it did not exist)`;
}

/**
 * Creates the database named in `url` when it does not exist yet, connecting to the
 * server's `postgres` database to do so. Safe when several processes start at once.
 * Resolves true when this call created it: on a first run that is expected, but for a
 * mistyped name it is the only sign that TESS is about to serve an empty database.
 */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  if (!name) throw new TessError(ErrorCode.INVALID, `DATABASE_URL ${redactUrl(url)} names no database`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  let client: pg.Client;
  try {
    client = await connectClient(admin.toString());
  } catch (err) {
    const cause = err instanceof TessError ? err.cause : err;
    // Without a maintenance database there is nowhere to run CREATE DATABASE from.
    if ((cause as { code?: string } | null)?.code === '3D000') {
      throw new TessError(
        ErrorCode.UNAVAILABLE,
        `cannot create database "${name}": PostgreSQL at ${redactUrl(admin.toString())} has no "postgres" database to connect to`,
        { cause },
      );
    }
    // Report the URL the user configured, not the maintenance database used here.
    throw err instanceof TessError ? translateConnectError(cause, url) : err;
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount !== 0) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 42P04 duplicate_database: another process created it first.
      if (code === '42P04') return false;
      // 42501 insufficient_privilege: a role without CREATEDB (common in production).
      if (code === '42501') {
        const { rows } = await client.query('SELECT current_user AS role');
        throw new TessError(
          ErrorCode.UNAVAILABLE,
          `database "${name}" does not exist at ${redactUrl(url)} and role "${rows[0].role}" may not create it ` +
            `(${code}); create it as a role that may, or grant this one CREATEDB`,
          { cause: err },
        );
      }
      throw err;
    }
  } finally {
    await client.end();
  }
}
