import { lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../engine/errors.js';
import { dump, load } from '../../storage/index.js';
import { tess } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { openTestHandle, type TestHandle, useDatabase } from '../helpers/open.js';

const source = useDatabase({ system: 'safe' });
let dir: string;
let file: string;

async function openEmpty(): Promise<{ test: TestDatabase; db: TestHandle; done: () => Promise<void> }> {
  const test = await createTestDatabase();
  const db = await openTestHandle(test.url, { system: 'safe' });
  return {
    test,
    db,
    done: async () => {
      await db.close();
      await test.drop();
    },
  };
}

const count = async (db: TestHandle, sql: string) => (await db.sql.query(sql)).rows[0].n as number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tess-dump-safety-'));
  const systemId = await source.db.systemId();
  const user = await source.db.user.add({ system_id: systemId, name: 'Ada', email: 'ada@example.org' });
  await source.db.token.add({ user_id: user.user_id, secret_hash: 'not-for-everyone' });
  file = join(dir, 'source.tess');
  await dump(source.db, file);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dump files', () => {
  it('are readable by their owner only, also when they replace a file that was not', async () => {
    const target = join(dir, 'private.tess');
    await writeFile(target, 'old\n', { mode: 0o644 });
    await dump(source.db, target);
    expect((await lstat(target)).mode & 0o777).toBe(0o600);
    expect((await readFile(target, 'utf8')).startsWith('TESS-DUMP 5\n')).toBe(true);
    const fresh = join(dir, 'fresh-private.tess');
    await dump(source.db, fresh);
    expect((await lstat(fresh)).mode & 0o777).toBe(0o600);
  });

  it('are never written over a symbolic link: one line naming the path, the link and its target untouched', async () => {
    const elsewhere = join(dir, 'elsewhere.txt');
    await writeFile(elsewhere, 'keep me\n');
    const link = join(dir, 'link.tess');
    await symlink(elsewhere, link);
    const d = await tess(['dump', link], { env: { DATABASE_URL: source.test.url } });
    expect(d.code).toBe(1);
    expect(d.stderr).toBe(`tess: cannot write ${link}: it is a symbolic link (refusing to write over it)\n`);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(elsewhere, 'utf8')).toBe('keep me\n');
    expect((await readdir(dir)).filter((f) => f.startsWith('link'))).toEqual(['link.tess']);
  });

  it('a link planted at the partial name is removed, not followed', async () => {
    const elsewhere = join(dir, 'planted-target.txt');
    await writeFile(elsewhere, 'keep me\n');
    const target = join(dir, 'planted.tess');
    await symlink(elsewhere, `${target}.partial`);
    await dump(source.db, target);
    expect(await readFile(elsewhere, 'utf8')).toBe('keep me\n');
    expect((await lstat(target)).isFile()).toBe(true);
    expect((await readdir(dir)).filter((f) => f.startsWith('planted.'))).toEqual(['planted.tess']);
  });
});

describe('load into an empty database', () => {
  it('"empty" allows the log rows of creation and migration and nothing else in the log', async () => {
    const target = await openEmpty();
    try {
      // A new database's log: its CREATE row and the ALTER rows of its migrations.
      expect(
        await count(target.db, "SELECT count(*)::int AS n FROM log WHERE event NOT IN ('CREATE', 'ALTER')"),
      ).toBe(0);
      expect(await count(target.db, 'SELECT count(*)::int AS n FROM log')).toBeGreaterThan(1);
      // Any other log row is history that the load's TRUNCATE of the log would erase.
      await target.db.log.add({ event: 'DUMP', table_name: null, message: 'dumped 0 rows to x.tess' });
      await expect(load(target.db, file)).rejects.toMatchObject({
        code: ErrorCode.NOT_EMPTY,
        message:
          "cannot load into a database that holds data: table log has 1 rows besides the database's creation and migrations (CREATE, ALTER)",
      });
      expect(await count(target.db, "SELECT count(*)::int AS n FROM log WHERE event = 'DUMP'")).toBe(1);
      expect(await count(target.db, 'SELECT count(*)::int AS n FROM "user"')).toBe(0);
    } finally {
      await target.done();
    }
  });

  it('two loads at once: one loads, the other waits for it and is refused as not empty', async () => {
    const target = await openEmpty();
    const second = await openTestHandle(target.test.url, { system: 'safe' });
    try {
      const results = await Promise.allSettled([load(target.db, file), load(second, file)]);
      const loaded = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(loaded).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.reason).toMatchObject({
        code: ErrorCode.NOT_EMPTY,
        message: expect.stringMatching(
          /^cannot load into a database that holds data: table system has \d+ rows$/,
        ),
      });
      // Loaded once: the source's rows, one LOAD.
      expect(await count(target.db, 'SELECT count(*)::int AS n FROM "user"')).toBe(
        await count(source.db, 'SELECT count(*)::int AS n FROM "user"'),
      );
      expect(await count(target.db, "SELECT count(*)::int AS n FROM log WHERE event = 'LOAD'")).toBe(1);
    } finally {
      await second.close();
      await target.done();
    }
  });
});
