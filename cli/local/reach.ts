import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, TessError } from '../../engine/errors.js';
import type { LocalFolder } from './folder.js';
import type { PostgresBinaries } from './embedded-postgres.js';
import type { RunAs } from './run-as.js';

/**
 * Whether a process of `user` can pass through every folder above `path`. Only its
 * primary group counts: a child process started with a uid and gid keeps no other.
 */
async function reachable(path: string, user: Required<Pick<RunAs, 'uid' | 'gid'>>): Promise<boolean> {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const { uid, gid, mode } = await stat(dir);
    const bits = uid === user.uid ? mode >> 6 : gid === user.gid ? mode >> 3 : mode;
    if (!(bits & 1)) return false;
    if (dir === dirname(dir)) return true;
  }
}

const COPY = 'postgres-bin';

/**
 * The binaries as `user` can run them. As root the server runs as the postgres user, who
 * may not reach the project (a checkout under /root, a private temporary folder): then
 * the platform package's files are copied once into the folder, which that user must
 * reach anyway for the data, and kept there for the next runs of the same version.
 */
export async function binariesFor(
  binaries: PostgresBinaries,
  user: RunAs,
  folder: LocalFolder,
): Promise<PostgresBinaries> {
  if (user.uid === undefined || user.gid === undefined) return binaries;
  const ids = { uid: user.uid, gid: user.gid };
  if (!(await reachable(folder.file(COPY), ids))) {
    throw new TessError(
      ErrorCode.UNAVAILABLE,
      `the embedded PostgreSQL runs as the postgres user (PostgreSQL does not run as root), who cannot reach ` +
        `${folder.path}: a folder above it is closed to others; run TESS from a folder they can enter, or set DATABASE_URL`,
    );
  }
  if (await reachable(binaries.initdb, ids)) return binaries;
  // native/bin/initdb: the whole native tree moves, since the binaries find lib/ and share/ beside bin/.
  const native = dirname(dirname(binaries.initdb));
  const version = await readFile(join(native, '..', 'package.json'), 'utf8');
  const copy = folder.file(COPY);
  const marker = join(copy, 'package.json');
  if ((await readFile(marker, 'utf8').catch(() => '')) !== version) {
    await rm(copy, { recursive: true, force: true });
    await cp(native, copy, { recursive: true, verbatimSymlinks: true });
    await writeFile(marker, version);
  }
  const moved = (path: string) => join(copy, 'bin', basename(path));
  return { initdb: moved(binaries.initdb), pg_ctl: moved(binaries.pg_ctl) };
}
