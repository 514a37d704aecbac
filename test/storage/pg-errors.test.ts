import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { translatePgError } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase({ system: `pg_errors_${process.pid}` });

describe('storage translates PostgreSQL errors at its boundary', () => {
  it('withTransaction: a refused row comes out as a TessError naming the rule, PostgreSQL’s error as its cause', async () => {
    const { db } = t;
    const user = await db.user.add({
      system_id: await db.systemId(),
      name: `u${process.pid}`,
      email: `u${process.pid}@example.com`,
    });
    const err = await db
      .withTransaction((_tx, c) =>
        c.query("INSERT INTO preference (user_id, name, value) VALUES ($1, '', 'private value')", [
          user.user_id,
        ]),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TessError);
    expect(err).toMatchObject({
      code: ErrorCode.INVALID,
      message: 'a value breaks a rule of the table (preference_name_check)',
    });
    expect((err as TessError).cause).toMatchObject({ code: '23514' });
    expect((err as Error).message).not.toMatch(/private value|violates/);
  });

  it('a table operation refused by the database says the same, not PostgreSQL’s words', async () => {
    const { db } = t;
    const user = await db.user.add({
      system_id: await db.systemId(),
      name: `v${process.pid}`,
      email: `v${process.pid}@example.com`,
    });
    const err = await db.preference.add({ user_id: user.user_id, name: '', value: 'x' }).catch((e) => e);
    expect(err).toMatchObject({
      code: ErrorCode.INVALID,
      message: 'a value breaks a rule of the table (preference_name_check)',
    });
  });

  it('an unreachable database is UNAVAILABLE, the connection error as the cause', async () => {
    const pool = new pg.Pool({ connectionString: t.test.url, max: 1, connectionTimeoutMillis: 50 });
    const held = await pool.connect();
    try {
      const raw = await pool.query('SELECT 1').catch((e: unknown) => e);
      const err = translatePgError(raw);
      expect(err).toMatchObject({ code: ErrorCode.UNAVAILABLE, message: 'the database is unavailable' });
      expect((err as TessError).cause).toBe(raw);
    } finally {
      held.release();
      await pool.end();
    }
    const refused = new pg.Client({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'x' });
    const raw = await refused.connect().catch((e: unknown) => e);
    expect(translatePgError(raw)).toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });
});
