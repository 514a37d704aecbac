import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase({ system: `pg_types_${process.pid}` });
const root = new URL('../../', import.meta.url).pathname;

describe('storage/connection.ts changes nothing for the rest of the process', () => {
  it('importing storage leaves pg’s own type parsers as they were; its connections still read numbers', async () => {
    // A fresh process: this one's test setup gives raw clients TESS's parsers.
    const code = `import pg from 'pg';
      await import('./storage/index.ts');
      console.log(typeof pg.types.getTypeParser(20)('7'), typeof pg.types.getTypeParser(1700)('7.5'));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { cwd: root },
    );
    expect(stdout.trim()).toBe('string string');
    const { rows } = await t.db.sql.query('SELECT 7::bigint AS id, 7.5::numeric AS amount');
    expect(rows[0]).toEqual({ id: 7, amount: 7.5 });
  });

  it('an idle connection that fails is reported to onConnectionError, not dropped', async () => {
    const lost: Error[] = [];
    let reported!: () => void;
    const seen = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const db = await openDatabase(t.test.url, {
      system: `pg_types_${process.pid}`,
      onConnectionError: (err) => {
        lost.push(err);
        reported();
      },
    });
    try {
      const pid = (await db.withTransaction((_tx, c) => c.query('SELECT pg_backend_pid() AS pid'))).rows[0]
        .pid;
      const killer = new pg.Client({ connectionString: t.test.url });
      await killer.connect();
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      await killer.end();
      await seen;
      expect(lost.length).toBe(1);
      // The pool carries on: the next query opens a new connection.
      expect((await db.withTransaction((_tx, c) => c.query('SELECT 1 AS one'))).rows[0].one).toBe(1);
    } finally {
      await db.close();
    }
  });
});
