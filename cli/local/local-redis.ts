import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { isAlive, type LocalFolder, readPid } from './folder.js';
import type { LocalServer } from './local-server.js';
import { exec, logSize, logTail } from './run-as.js';

const SERVER = 'redis-server';
const DIR = 'redis';
const PID = `${DIR}/redis.pid`;
/** Longest Redis may take to answer after it is started, or to exit after it is told to. */
const WAIT_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether there is a redis-server on the PATH to start. */
export function hasRedisServer(): Promise<boolean> {
  return exec(SERVER, ['--version']).then(
    () => true,
    () => false,
  );
}

/** Runs `fn` on a connection to a Redis at 127.0.0.1:port, or gives undefined when none answers. */
async function withRedis<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T | undefined> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await fn(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function waitForExit(pid: number): Promise<void> {
  for (const until = Date.now() + WAIT_MS; isAlive(pid) && Date.now() < until; ) await sleep(50);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * Stops a Redis a killed TESS left on the folder; its pid, or undefined when none ran. The
 * pid file alone is not trusted (the pid may be another process's by now): the server on
 * the port it had must say it is that process, working in this folder.
 */
export async function stopLeftoverRedis(folder: LocalFolder, port?: number): Promise<number | undefined> {
  const pid = await readPid(folder.file(PID));
  if (pid === undefined || !isAlive(pid) || !port) return undefined;
  const ours = await withRedis(port, async (redis) => {
    const [, dir] = (await redis.config('GET', 'dir')) as string[];
    const info = await redis.info('server');
    return dir === folder.file(DIR) && info.includes(`process_id:${pid}\r\n`);
  });
  await rm(folder.file(PID), { force: true });
  if (!ours) return undefined;
  process.kill(pid, 'SIGTERM');
  await waitForExit(pid);
  return pid;
}

/**
 * Starts redis-server from the PATH on 127.0.0.1:port with its data (the RDB snapshot
 * it saves on a clean stop) in the folder, in a session of its own so that a Ctrl-C
 * reaches TESS alone, which stops it last.
 */
export async function startLocalRedis(folder: LocalFolder, port: number): Promise<LocalServer> {
  const dir = folder.file(DIR);
  const log = `${dir}/redis.log`;
  await mkdir(dir, { recursive: true });
  const logFrom = await logSize(log);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'];
  const child = spawn(SERVER, [...args, '--pidfile', folder.file(PID), '--logfile', log], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const pid = child.pid;
  const stopNow = () => {
    try {
      if (!gone && pid) process.kill(pid, 'SIGTERM');
    } catch {
      // Exited already.
    }
  };
  for (const until = Date.now() + WAIT_MS; ; ) {
    if (await withRedis(port, (redis) => redis.ping())) break;
    if (gone || Date.now() > until) {
      stopNow();
      throw new TessError(
        ErrorCode.UNAVAILABLE,
        `the local Redis in ${folder.shown(DIR)} did not start: ${(await logTail(log, logFrom)) || 'no log'}`,
      );
    }
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    note: `local Redis at redis://127.0.0.1:${port}, data in ${folder.shown(DIR)}`,
    stop: async () => {
      stopNow();
      if (pid) await Promise.race([exited, waitForExit(pid)]);
    },
    stopNow,
  };
}
