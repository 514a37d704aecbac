import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { TABLE_ORDER } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

async function raw(sql: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: t.test.url });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

describe('immutability is enforced by the database', () => {
  it('plain UPDATE, DELETE and TRUNCATE fail on every table', async () => {
    await t.db.config.add({ name: 'x', value: '1' });
    for (const table of TABLE_ORDER) {
      for (const sql of [
        `UPDATE "${table}" SET created = created`,
        `DELETE FROM "${table}"`,
        `TRUNCATE "${table}" CASCADE`,
      ]) {
        const err = await raw(sql).catch((e) => e);
        expect(err, sql).toBeInstanceOf(Error);
        expect(err.code, sql).toBe('TS001');
        expect(err.message, sql).toMatch(
          new RegExp(`^table "${table}" is immutable: (UPDATE|DELETE|TRUNCATE) refused$`),
        );
      }
    }
    // Every UPDATE above touched existing rows (config and log are not empty) and none changed.
    const { rows } = await raw("SELECT count(*)::int AS n FROM config WHERE name = 'x'");
    expect(rows[0].n).toBe(1);
  });

  it('the authorising log row cannot be erased: the log refuses UPDATE and DELETE even when authorised', async () => {
    const before = (await raw('SELECT count(*)::int AS n, sum(length(message))::int AS m FROM log')).rows[0];
    await t.db.config.add({ name: 'erase-me', value: 'before' });
    const attack = `BEGIN;
      WITH l AS (INSERT INTO log (event, table_name, message) VALUES ('UPDATE', 'config', 'cover') RETURNING log_id)
      SELECT set_config('tess.nonconformant', log_id::text, true) FROM l;
      UPDATE config SET value = 'after' WHERE name = 'erase-me';
      DELETE FROM log WHERE message = 'cover';
      COMMIT;`;
    const err = await raw(attack).catch((e) => e);
    expect(err.code).toBe('TS001');
    expect(err.message).toBe('table "log" is immutable: DELETE refused');
    const edit = await raw(
      `BEGIN;
       WITH l AS (INSERT INTO log (event, table_name, message) VALUES ('UPDATE', 'log', 'reword') RETURNING log_id)
       SELECT set_config('tess.nonconformant', log_id::text, true) FROM l;
       UPDATE log SET message = 'nothing happened';
       COMMIT;`,
    ).catch((e) => e);
    expect(edit.message).toBe('table "log" is immutable: UPDATE refused');
    // Nor can the whole log be replaced while the database holds a system (only a load into an empty one).
    const replace = await raw(
      `BEGIN;
       WITH l AS (INSERT INTO log (event, table_name, message) VALUES ('DELETE', 'log', 'start over') RETURNING log_id)
       SELECT set_config('tess.nonconformant', log_id::text, true) FROM l;
       TRUNCATE log;
       COMMIT;`,
    ).catch((e) => e);
    expect(replace.message).toBe('table "log" is immutable: TRUNCATE refused');
    const { rows } = await raw("SELECT value FROM config WHERE name = 'erase-me'");
    expect(rows).toEqual([{ value: 'before' }]);
    const after = (await raw('SELECT count(*)::int AS n, sum(length(message))::int AS m FROM log')).rows[0];
    expect(after).toEqual(before);
  });

  it('naming a log row of another transaction does not open the guard', async () => {
    const { rows } = await raw("SELECT log_id FROM log WHERE event = 'CREATE'");
    const err = await raw(
      `BEGIN; SELECT set_config('tess.nonconformant', '${rows[0].log_id}', true); DELETE FROM config; COMMIT;`,
    ).catch((e) => e);
    expect(err.code).toBe('TS001');
  });

  it('the non-conformant API logs the operation in the same transaction, then may change rows', async () => {
    const id = (await t.db.config.find({ name: 'x' }))!;
    await t.db.nonconformant(
      {
        event: 'UPDATE',
        table: 'config',
        message: 'correct a mistyped value of x',
        actor: 'operator@example.org',
      },
      (c) => c.query("UPDATE config SET value = '2' WHERE config_id = $1", [id]),
    );
    expect((await t.db.config.get(id))?.value).toBe('2');
    const logId = (await t.db.log.list({ where: { event: 'UPDATE' } }))[0]!;
    expect(logId).toMatchObject({
      table_name: 'config',
      message: 'correct a mistyped value of x',
      actor: 'operator@example.org',
    });

    // A failing operation leaves neither its change nor its log row.
    const before = (await t.db.log.list({ limit: 1000 })).length;
    await expect(
      t.db.nonconformant({ event: 'DELETE', table: 'config', message: 'doomed' }, async (c) => {
        await c.query('DELETE FROM config WHERE config_id = $1', [id]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await t.db.log.list({ limit: 1000 })).length).toBe(before);
    expect(await t.db.config.get(id)).not.toBeNull();
  });

  it('the storage API translates the guard’s refusal into IMMUTABLE, the database’s error as its cause', async () => {
    // A transaction of the storage API that writes no log row is refused like any session.
    const plain = await t.db.withTransaction((_tx, c) => c.query('DELETE FROM config')).catch((e) => e);
    expect(plain).toBeInstanceOf(TessError);
    expect(plain).toMatchObject({
      code: ErrorCode.IMMUTABLE,
      message: 'table "config" is immutable: DELETE refused',
    });
    expect(plain.cause).toMatchObject({ code: 'TS001' });
    // A logged operation is refused on the one table no log row opens: the log itself.
    const logged = await t.db
      .nonconformant({ event: 'DELETE', table: 'log', message: 'erase the log' }, (c) =>
        c.query('DELETE FROM log'),
      )
      .catch((e) => e);
    expect(logged).toBeInstanceOf(TessError);
    expect(logged).toMatchObject({
      code: ErrorCode.IMMUTABLE,
      message: 'table "log" is immutable: DELETE refused',
    });
    expect(logged.cause).toMatchObject({ code: 'TS001' });
    // A raw connection opened while an operation is authorised is not authorised by it.
    await expect(
      t.db.nonconformant({ event: 'DELETE', table: 'config', message: 'doomed' }, async () => {
        const outside = await raw('DELETE FROM config').catch((e) => e);
        expect(outside.code).toBe('TS001');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await t.db.config.find({ name: 'x' })).not.toBeNull();
    expect((await t.db.log.list({ where: { message: 'erase the log' } })).length).toBe(0);
  });
});
