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

describe('layers', () => {
  for (const layer of Object.keys(allowed)) {
    it(`${layer}/ imports only what its layer may`, async () => {
      const root = new URL(`../${layer}/`, import.meta.url).pathname;
      for (const file of await sources(root)) {
        const text = await readFile(file, 'utf8');
        for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
          if (spec!.startsWith('.')) {
            const target = new URL(spec!, `file://${file}`).pathname.slice(
              new URL('../', import.meta.url).pathname.length,
            );
            const top = target.split('/')[0]!;
            if (top in allowed) expect(allowed[layer], `${file} imports ${spec}`).toContain(top);
          } else if (layer === 'engine') {
            expect(io.test(spec!), `${file} imports ${spec}`).toBe(false);
          }
        }
      }
    });
  }
});
