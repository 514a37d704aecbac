import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import pg from 'pg';
import { benchServerUrl } from './database.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly postgres: string;
  readonly timescaledb: string | null;
  readonly commit: string | null;
  readonly date: string;
}

/** What the figures were measured on. */
export async function describeMachine(): Promise<Machine> {
  let postgres = 'unknown';
  let timescaledb: string | null = null;
  const client = new pg.Client({ connectionString: benchServerUrl('postgres') });
  try {
    await client.connect();
    postgres = (await client.query('SHOW server_version')).rows[0].server_version;
    const ts = await client.query(
      "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'",
    );
    timescaledb = ts.rows[0]?.default_version ?? null;
  } finally {
    await client.end().catch(() => {});
  }
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    commit = null;
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    postgres,
    timescaledb,
    commit,
    date: new Date().toISOString(),
  };
}
