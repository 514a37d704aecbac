import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStorageMode } from '../../storage/storage-mode.js';
import { tess } from '../helpers/cli.js';
import { serverUrl } from '../helpers/server-url.js';

const exec = promisify(execFile);

/**
 * A server that lists TimescaleDB without preloading it: a second PostgreSQL cluster of
 * the same installation (so the same extensions are listed), started by this file on a
 * free port with no shared_preload_libraries, and stopped afterwards.
 */
async function serverBinaries(): Promise<string | null> {
  const client = new pg.Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT setting FROM pg_config() WHERE name = 'BINDIR'");
    const dir = rows[0]?.setting as string | undefined;
    return dir && existsSync(join(dir, 'initdb')) ? dir : null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

// initdb refuses to run as root: run the cluster as the server's own account then.
const asServerUser = (cmd: string, args: string[]) =>
  process.getuid?.() === 0 ? exec('runuser', ['-u', 'postgres', '--', cmd, ...args]) : exec(cmd, args);

let bindir: string | null;
let dir: string;
let port: number;
let offered = false;

beforeAll(async () => {
  bindir = await serverBinaries();
  if (!bindir) return;
  const client = new pg.Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  offered =
    (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")).rows.length > 0;
  await client.end();
  dir = await mkdtemp(join(tmpdir(), 'tess-pg-'));
  await chmod(dir, 0o777);
  port = await freePort();
  const data = join(dir, 'data');
  await asServerUser(join(bindir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  await asServerUser(join(bindir, 'pg_ctl'), [
    '-D',
    data,
    '-w',
    '-l',
    join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_preload_libraries=''`,
    'start',
  ]);
}, 60_000);

afterAll(async () => {
  if (!bindir || !dir) return;
  await asServerUser(join(bindir, 'pg_ctl'), [
    '-D',
    join(dir, 'data'),
    '-m',
    'immediate',
    '-w',
    'stop',
  ]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe('a server that lists TimescaleDB but does not preload it', () => {
  it('auto: migrates onto plain PostgreSQL and says why; on: refuses in one line', async (ctx) => {
    if (!bindir || !offered) {
      ctx.skip(
        'needs the server binaries (initdb) and a server listing timescaledb; the CI TimescaleDB pass has both',
      );
    }
    const url = `postgres://postgres@127.0.0.1:${port}/tess_unpreloaded`;
    const refused = await tess(['migrate', 'up'], { env: { DATABASE_URL: url, TIMESCALEDB: 'on' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /TIMESCALEDB=on, but this server lists the timescaledb extension without preloading it/,
    );

    // Refused before anything was marked: the database is not left dirty.
    const state = await tess(['migrate', 'version'], { env: { DATABASE_URL: url } });
    expect(state.stdout).toBe('version none\n');
    const auto = await tess(['migrate', 'up'], { env: { DATABASE_URL: url, TIMESCALEDB: 'auto' } });
    expect(auto.stderr).toBe('');
    expect(auto.code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect(await readStorageMode(client)).toEqual({
        kind: 'postgresql',
        reason:
          'the server lists timescaledb but does not preload it (add it to shared_preload_libraries and restart)',
      });
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'",
      );
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
  });
});
