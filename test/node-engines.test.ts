import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// What `npm ci` installs is the lock file: these checks read it rather than node_modules,
// so they hold for every platform and Node version CI may use, not only this machine's.
interface Locked {
  readonly version?: string;
  readonly dev?: boolean;
  readonly engines?: { readonly node?: string };
  readonly optionalDependencies?: Record<string, string>;
}
interface Lock {
  readonly packages: Record<string, Locked>;
}

const read = async <T>(file: string): Promise<T> =>
  JSON.parse(await readFile(new URL(`../${file}`, import.meta.url), 'utf8')) as T;

/** Where npm finds `name` for the package installed at `from`: the nearest node_modules up the tree. */
function resolve(lock: Lock, from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[path]) return path;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

describe('package-lock.json', () => {
  it("every runtime dependency accepts the oldest Node that package.json's engines allows", async () => {
    const [pkg, lock] = await Promise.all([
      read<{ engines: { node: string } }>('package.json'),
      read<Lock>('package-lock.json'),
    ]);
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path && !p.dev && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([path, p]) => `${path}@${p.version} needs Node ${p.engines!.node}`);
    expect(refused, `Node ${oldest}`).toEqual([]);
  });

  it('no package, dev tools included, demands a Node later than 20 (npm ci would print EBADENGINE)', async () => {
    const lock = await read<Lock>('package-lock.json');
    const refused = Object.entries(lock.packages)
      .filter(([, p]) => p.engines?.node && !semver.intersects(p.engines.node, '20'))
      .map(([path, p]) => `${path}@${p.version} needs Node ${p.engines!.node}`);
    expect(refused).toEqual([]);
  });

  it("lists every platform's optional binaries, not only this machine's", async () => {
    // npm install on one platform has dropped the others' entries before; npm ci elsewhere then fails.
    const lock = await read<Lock>('package-lock.json');
    const missing = Object.entries(lock.packages).flatMap(([path, p]) =>
      Object.keys(p.optionalDependencies ?? {})
        .filter((name) => resolve(lock, path, name) === undefined)
        .map((name) => `${path || 'tess'} → ${name}`),
    );
    expect(missing).toEqual([]);
    expect(Object.keys(lock.packages)).toEqual(
      expect.arrayContaining(['node_modules/@biomejs/cli-darwin-arm64', 'node_modules/@esbuild/win32-x64']),
    );
  });
});
