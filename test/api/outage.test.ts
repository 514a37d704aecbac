import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { describeError } from '../../http/errors.js';
import { httpStatus } from '../../http/status.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase({ system: `outage_${process.pid}` });

/** The error a real pool gives, or fails the test. */
async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('database outages answer 503 UNAVAILABLE', () => {
  it('a pool whose clients are all busy past its connection timeout (an error without a code)', async () => {
    const pool = new pg.Pool({ connectionString: t.test.url, max: 1, connectionTimeoutMillis: 50 });
    const held = await pool.connect();
    try {
      const err = await errorOf(() => pool.query('SELECT 1'));
      expect((err as Error).message).toBe('timeout exceeded when trying to connect');
      expect(describeError(err)).toEqual({ code: 'UNAVAILABLE', message: 'the database is unavailable' });
      expect(httpStatus(describeError(err).code)).toBe(503);
    } finally {
      held.release();
      await pool.end();
    }
  });

  it('a connection dropped under a query, and a server that refuses connections', async () => {
    const pool = new pg.Pool({ connectionString: t.test.url, max: 1 });
    pool.on('error', () => {});
    const client = await pool.connect();
    client.on('error', () => {});
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const killer = new pg.Client({ connectionString: t.test.url });
    await killer.connect();
    const dropped = errorOf(() => client.query('SELECT pg_sleep(5)'));
    await killer.query('SELECT pg_terminate_backend($1)', [pid]);
    await killer.end();
    expect(describeError(await dropped).code).toBe('UNAVAILABLE');
    client.release(true);
    await pool.end();
    const refused = new pg.Client({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'x' });
    expect(describeError(await errorOf(() => refused.connect())).code).toBe('UNAVAILABLE');
  });
});
