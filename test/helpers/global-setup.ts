import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, quoteIdent } from '../../storage/connection.js';
import { migrate } from '../../storage/migrations.js';
import { serverUrl, timescaleChoice } from './server-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated database that test files clone (CREATE DATABASE … TEMPLATE). */
    templateDatabase: string;
    /** Prefix of every database this run creates, so teardown can drop them all. */
    runPrefix: string;
  }
}

async function dropDatabases(prefix: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl('postgres') });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [
      prefix,
    ]);
    for (const { datname } of rows) {
      await admin.query(`ALTER DATABASE ${quoteIdent(datname)} WITH IS_TEMPLATE false`);
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

// Each run migrates its own template, so concurrent runs (two clones, two CI jobs on
// one server) never share or drop each other's databases.
export default async function setup(project: TestProject) {
  const runPrefix = `tess_t${randomBytes(4).toString('hex')}_`;
  const templateDatabase = `${runPrefix}template`;
  const url = serverUrl(templateDatabase);
  await ensureDatabase(url);
  await migrate(url, { kind: 'up' }, { timescaledb: timescaleChoice() });
  // Cloning needs a template nobody is connected to. TimescaleDB starts background
  // workers in every database that allows connections; closing the template to
  // connections keeps them (and anyone else) out.
  const admin = new pg.Client({ connectionString: serverUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(
      `ALTER DATABASE ${quoteIdent(templateDatabase)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`,
    );
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      templateDatabase,
    ]);
  } finally {
    await admin.end();
  }
  project.provide('templateDatabase', templateDatabase);
  project.provide('runPrefix', runPrefix);
  return async () => {
    await dropDatabases(runPrefix);
  };
}
