import type { TimescaleChoice } from '../../storage/migrations.js';

/** The PostgreSQL server the tests use: TEST_DATABASE_URL, else the server of DATABASE_URL, else the local default. */
export function serverUrl(database: string): string {
  const base =
    process.env['TEST_DATABASE_URL'] ||
    process.env['DATABASE_URL'] ||
    'postgres://postgres@127.0.0.1:5432/postgres';
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

export const redisUrl = (): string => process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';

/** The TIMESCALEDB choice of this run (auto, on or off): CI runs the suite once with each storage. */
export const timescaleChoice = (): TimescaleChoice =>
  (process.env['TIMESCALEDB'] as TimescaleChoice) || 'auto';
