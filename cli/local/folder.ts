import { access, mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * The folder of the servers TESS runs itself (./.tess of the working directory): the
 * embedded PostgreSQL's data, Redis's, the ports they had, and the lock naming the TESS
 * process that runs them. One TESS at a time owns a folder, so two processes never
 * start servers on one data directory.
 */
export interface LocalFolder {
  /** Absolute path. */
  readonly path: string;
  /** Absolute path of a file or folder in it. */
  readonly file: (name: string) => string;
  /** How messages name a file or folder in it: relative to the working directory. */
  readonly shown: (name?: string) => string;
}

export const LOCAL_FOLDER = '.tess';

export function localFolder(cwd: string = process.cwd()): LocalFolder {
  const path = join(cwd, LOCAL_FOLDER);
  const file = (name: string) => join(path, name);
  return Object.freeze({
    path,
    file,
    shown: (name?: string) => `./${relative(cwd, name ? file(name) : path)}`,
  });
}

export const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** Whether a process with this id exists (one of another user's counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** The pid in a pid file, or undefined when there is none. */
export async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether a live pid may still be the TESS that wrote it, rather than a process that was
 * given the pid since: where /proc tells (Linux), its command line names tess.
 */
async function mayBeTess(pid: number): Promise<boolean> {
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return command === undefined || command.includes('tess');
}

export interface Claim {
  /** Gives the folder up (its servers stopped first). */
  readonly release: () => Promise<void>;
}

const LOCK = 'lock';

/**
 * Makes this process the folder's owner, or names the live TESS that is. A lock whose
 * owner is gone (killed before it could clean up) is taken over; our own pid in it is
 * such a leftover too (a container's TESS is pid 1 on every start).
 */
export async function claimFolder(folder: LocalFolder): Promise<Claim | { owner: number }> {
  await mkdir(folder.path, { recursive: true });
  // Ignored by git wherever the folder is made, not only in this repository.
  await writeFile(folder.file('.gitignore'), '*\n');
  const lock = folder.file(LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(lock, { force: true }) };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
    const owner = await readPid(lock);
    if (owner !== undefined && owner !== process.pid && isAlive(owner) && (await mayBeTess(owner)))
      return { owner };
    // Two processes taking over one stale lock: the second `wx` fails and it sees the first.
    if (attempt > 0) return { owner: owner ?? 0 };
    await rm(lock, { force: true });
  }
}

type Ports = Partial<Record<'postgres' | 'redis', number>>;

const PORTS = 'ports.json';

/** The ports the servers had last time: the same one again keeps their URLs stable. */
export async function lastPorts(folder: LocalFolder): Promise<Ports> {
  try {
    return JSON.parse(await readFile(folder.file(PORTS), 'utf8')) as Ports;
  } catch {
    return {};
  }
}

export async function rememberPort(folder: LocalFolder, server: keyof Ports, port: number): Promise<void> {
  const ports = { ...(await lastPorts(folder)), [server]: port };
  await writeFile(folder.file(PORTS), `${JSON.stringify(ports)}\n`);
}
