import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../storage/index.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase({ system: `handle_${process.pid}` });

describe('queries bound to the Database handle', () => {
  it('entryId answers the first row of the entry for any of its versions, from the handle’s cache', async () => {
    const { db } = t;
    const systemId = await db.systemId();
    const email = `e${process.pid}@example.com`;
    const first = await db.user.add({ system_id: systemId, name: 'first', email });
    const second = await db.user.set({ system_id: systemId, email, name: 'second' });
    expect(second.user_id).not.toBe(first.user_id);
    expect(await db.entryId('user', second.user_id)).toBe(first.user_id);
    expect(await db.entryId('user', 2 ** 40)).toBeNull();
    // Rows never change, so a resolved id is never read again: with the rows gone (through
    // the one API allowed to remove them), this handle still answers and a new one does not.
    await db.nonconformant({ event: 'DELETE', table: 'user', message: 'test: remove a user' }, (c) =>
      c.query('DELETE FROM "user" WHERE user_id = ANY($1::bigint[])', [[first.user_id, second.user_id]]),
    );
    expect(await db.at(new Date()).entryId('user', second.user_id)).toBe(first.user_id);
    const fresh = await openDatabase(t.test.url, { system: `handle_${process.pid}` });
    try {
      expect(await fresh.entryId('user', second.user_id)).toBeNull();
    } finally {
      await fresh.close();
    }
  });

  it('as-of reads take the handle’s clock: db.at(time).current(...) answers the version of then', async () => {
    const { db } = t;
    const systemId = await db.systemId();
    const email = `f${process.pid}@example.com`;
    const first = await db.user.add({ system_id: systemId, name: 'before', email });
    // A time after the first version (pg's Dates keep milliseconds), and a second version after it.
    const between = new Date(first.created.getTime() + 1);
    while ((await t.db.sql.query('SELECT clock_timestamp() AS now')).rows[0].now <= between);
    await db.user.set({ system_id: systemId, email, name: 'after' });
    expect((await db.current('user', first.user_id))?.name).toBe('after');
    expect((await db.at(between).current('user', first.user_id))?.name).toBe('before');
  });
});
