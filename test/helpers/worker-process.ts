import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TESS = fileURLToPath(new URL('../../cli/tess.js', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Log lines (pino JSON) seen so far. */
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
}

/** Starts `tess start --role worker` against a test database and queue prefix. */
export function startWorker(databaseUrl: string, prefix: string, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, [TESS, 'start', '--role', 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      JOB_LOCK_MS: '3000',
      SCHEDULER_SYNC_MS: '200',
      GRACE_MS: '50',
      CLEARING_THREADS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let i = buffer.indexOf('\n');
    while (i !== -1) {
      try {
        lines.push(JSON.parse(buffer.slice(0, i)));
      } catch {
        lines.push({ msg: buffer.slice(0, i) });
      }
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
    }
  });
  child.stderr!.on('data', (d: Buffer) => lines.push({ stderr: d.toString() }));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}
