import cliProgress from 'cli-progress';
import type { Progress } from '../storage/index.js';

/**
 * A progress bar on standard error while a terminal watches; silence otherwise (pipes,
 * CI logs), so the command's own output stays clean.
 */
export function progressBar(): { onProgress: Progress | undefined; stop(): void } {
  if (!process.stderr.isTTY) return { onProgress: undefined, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: '{table} [{bar}] {value}/{total} rows', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let current = '';
  return {
    onProgress(table, done, total) {
      if (table !== current) {
        if (current) bar.stop();
        current = table;
        bar.start(Math.max(total, done), done, { table });
      }
      bar.setTotal(Math.max(total, done));
      bar.update(done, { table });
    },
    stop() {
      if (current) bar.stop();
    },
  };
}
