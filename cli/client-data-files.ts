import { createWriteStream, fstatSync, readlinkSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { DATASET_TYPES, isDatasetType } from '../engine/datasets/index.js';
import { ErrorCode, TessError } from '../engine/errors.js';
import { type ClientDataPart, type Database, writeClientData } from '../storage/index.js';

/**
 * `tess dump --sql`: client data as the migration seed 002 describes,
 * `migrations/999999_client_data.up.sql` and its `.down.sql`. The up file goes to FILE or
 * to standard output; the down file beside it (a name ending in .up.sql), or where
 * --down says. Standard output redirected into a file names that file, so
 * `tess dump --sql > migrations/999999_client_data.up.sql` writes both.
 */

export const CLIENT_DATA_FILE = '999999_client_data';

/** The parts --tables names: client_info and dataset types, comma-separated; all without it. */
export function clientDataParts(list: string | undefined): ClientDataPart[] {
  if (list === undefined) return ['client_info', ...DATASET_TYPES];
  const parts = list
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  for (const p of parts) {
    if (p !== 'client_info' && !isDatasetType(p)) {
      throw new TessError(
        ErrorCode.INVALID,
        `--tables: "${p}" is neither client_info nor a dataset type (${DATASET_TYPES.join(', ')})`,
      );
    }
  }
  if (parts.length === 0)
    throw new TessError(ErrorCode.INVALID, '--tables: name client_info or dataset types');
  return [...new Set(parts)] as ClientDataPart[];
}

/** The file standard output is redirected into, when it is one. */
function stdoutFile(): string | null {
  try {
    if (!fstatSync(1).isFile()) return null;
    return readlinkSync('/proc/self/fd/1');
  } catch {
    return null;
  }
}

const downOf = (up: string | null): string | null =>
  up?.endsWith('.up.sql') ? `${up.slice(0, -7)}.down.sql` : null;

/** A file written whole or not at all: into FILE.partial, renamed at the end. */
function partialFile(file: string): {
  sink: (text: string) => Promise<void>;
  done(): Promise<void>;
  abort(): Promise<void>;
} {
  const partial = `${file}.partial`;
  const out: WriteStream = createWriteStream(partial, { mode: 0o600 });
  return {
    sink: async (text) => {
      if (!out.write(text)) await once(out, 'drain');
    },
    done: async () => {
      out.end();
      await once(out, 'finish');
      await rename(partial, file);
    },
    abort: async () => {
      out.destroy();
      await rm(partial, { force: true });
    },
  };
}

export async function dumpClientData(
  db: Database,
  options: {
    readonly file?: string | undefined;
    readonly down?: string | undefined;
    readonly tables?: string | undefined;
  },
): Promise<string> {
  const parts = clientDataParts(options.tables);
  const toStdout = options.file === undefined || options.file === '-';
  const upPath = toStdout ? stdoutFile() : options.file!;
  const downPath = options.down ?? downOf(upPath);
  if (!downPath) {
    throw new TessError(
      ErrorCode.INVALID,
      '--sql: name the down file with --down FILE, or write to a file whose name ends in .up.sql (its .down.sql goes beside it)',
    );
  }
  const up = toStdout
    ? {
        sink: async (text: string) => {
          if (!process.stdout.write(text)) await once(process.stdout, 'drain');
        },
        done: async () => {},
        abort: async () => {},
      }
    : partialFile(options.file!);
  const down = partialFile(downPath);
  try {
    const label = `${parts.join(', ')}`;
    const r = await writeClientData(db, parts, up.sink, down.sink, label);
    await up.done();
    await down.done();
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    return `client data: ${n(r.sites, 'site version')}, ${n(r.datasets, 'dataset')}, ${n(r.rows, 'row')} (${toStdout ? 'standard output' : options.file} and ${downPath})`;
  } catch (err) {
    await up.abort();
    await down.abort();
    throw err;
  }
}
