import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { describeStorage, type StorageMode } from '../storage/index.js';
import { benchServerVersion, createBenchDatabase } from './database.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly postgres: string;
  /** The storage the benchmark databases use, e.g. `TimescaleDB 2.28.3` or `plain PostgreSQL: …`. */
  readonly storage: string;
  /** The TimescaleDB version the benchmark databases use; null on plain PostgreSQL. */
  readonly timescaledb: string | null;
  readonly commit: string | null;
  readonly date: string;
}

/** What the figures were measured on. */
export async function describeMachine(): Promise<Machine> {
  const postgres = await benchServerVersion();
  // Whether the server offers TimescaleDB says nothing of what the benchmarks run on
  // (TIMESCALEDB=off, or auto on a server that lists it without preloading it): ask a
  // database created exactly as theirs are.
  const probe = await createBenchDatabase({ poolSize: 1 });
  let mode: StorageMode;
  try {
    mode = probe.mode;
  } finally {
    await probe.drop();
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
    storage: describeStorage(mode),
    timescaledb: mode.kind === 'timescaledb' ? mode.version : null,
    commit,
    date: new Date().toISOString(),
  };
}
