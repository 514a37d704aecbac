import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Imports flow one way: cli → http → workers → storage/engine, storage → engine; engine is pure.
const allowed: Record<string, string[]> = {
  engine: ['engine'],
  storage: ['storage', 'engine'],
  workers: ['workers', 'storage', 'engine'],
  http: ['http', 'workers', 'storage', 'engine'],
  cli: ['cli', 'http', 'workers', 'storage', 'engine'],
};
// Storage has one front door: every other layer (and bench/, which measures what they
// offer) imports storage/index.js, never a storage internal.
const FRONT_DOOR = 'storage/index.js';
const outsideStorage = ['workers', 'http', 'cli', 'bench'];
// Nor do they hold a connection of their own: only storage speaks to PostgreSQL. The one
// exception is the benchmarks' raw baseline, which measures PostgreSQL without TESS.
const RAW_BASELINE = 'bench/database.ts';
// Modules that do I/O or keep time: not for engine/.
const io =
  /^(node:)?(fs|net|http|https|child_process|worker_threads|dgram|dns|tls|cluster|fs\/promises)$|^(pg|ioredis|bullmq|piscina|fastify|pino)/;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (/\.(ts|js)$/.test(e.name)) out.push(p);
  }
  return out;
}

interface Import {
  readonly file: string;
  readonly spec: string;
  /** For a relative import: the path it names from the project root. */
  readonly target: string | null;
}

/** Every import of every source file under the folder `layer`. */
async function importsOf(layer: string): Promise<Import[]> {
  const project = new URL('../', import.meta.url).pathname;
  const out: Import[] = [];
  for (const file of await sources(new URL(`../${layer}/`, import.meta.url).pathname)) {
    const text = await readFile(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const target = spec!.startsWith('.')
        ? new URL(spec!, `file://${file}`).pathname.slice(project.length)
        : null;
      out.push({ file, spec: spec!, target });
    }
  }
  return out;
}

describe('layers', () => {
  for (const layer of Object.keys(allowed)) {
    it(`${layer}/ imports only what its layer may`, async () => {
      for (const { file, spec, target } of await importsOf(layer)) {
        if (target !== null) {
          const top = target.split('/')[0]!;
          if (top in allowed) expect(allowed[layer], `${file} imports ${spec}`).toContain(top);
        } else if (layer === 'engine') {
          expect(io.test(spec), `${file} imports ${spec}`).toBe(false);
        }
      }
    });
  }
  for (const layer of outsideStorage) {
    it(`${layer}/ enters storage only through ${FRONT_DOOR}`, async () => {
      for (const { file, spec, target } of await importsOf(layer)) {
        if (target?.startsWith('storage/')) expect(target, `${file} imports ${spec}`).toBe(FRONT_DOOR);
      }
    });
    it(`${layer}/ does not import pg`, async () => {
      const project = new URL('../', import.meta.url).pathname;
      for (const { file, spec } of await importsOf(layer)) {
        if (file.slice(project.length) === RAW_BASELINE) continue;
        expect(/^pg(-|$|\/)/.test(spec), `${file} imports ${spec}`).toBe(false);
      }
    });
  }
});
