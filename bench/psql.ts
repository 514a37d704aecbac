import { spawn } from 'node:child_process';

/**
 * Runs psql on `url` with `commands` (each a -c, in order; -1: all in one transaction),
 * stopping at the first error: the benchmarks' baseline of what PostgreSQL's own client
 * does with the same rows.
 */
export function psql(
  url: string,
  commands: readonly string[],
  options: { single?: boolean } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-X', '-q', ...(options.single ? ['-1'] : []), '-v', 'ON_ERROR_STOP=1', '-d', url];
    for (const c of commands) args.push('-c', c);
    const child = spawn('psql', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${err}`))));
  });
}
