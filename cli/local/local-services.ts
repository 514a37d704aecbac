import { ErrorCode, TessError } from '../../engine/errors.js';
import { redactUrl } from '../../storage/index.js';
import type { Settings } from '../settings.js';
import {
  embeddedUrl,
  postgresBinaries,
  startEmbeddedPostgres,
  stopLeftoverPostgres,
} from './embedded-postgres.js';
import { claimFolder, exists, type LocalFolder, lastPorts, localFolder, rememberPort } from './folder.js';
import { hasRedisServer, startLocalRedis, stopLeftoverRedis } from './local-redis.js';
import type { LocalServer } from './local-server.js';
import { answers, freePort } from './network.js';

export interface LocalServices {
  /** The settings with the URLs of the servers started here. */
  readonly settings: Settings;
  /** One per server started, for the start-up line. */
  readonly notes: readonly string[];
  /** Stops what was started (in reverse order) and gives the folder up; safe to call twice. */
  readonly stop: () => Promise<void>;
}

const NOTHING: Omit<LocalServices, 'settings'> = Object.freeze({ notes: [], stop: async () => {} });

/** Stops what a killed TESS left running in the folder (the caller owns it); a line per server stopped. */
export async function stopLeftovers(folder: LocalFolder): Promise<string[]> {
  const lines: string[] = [];
  const binaries = await postgresBinaries();
  const postgres = 'missing' in binaries ? undefined : await stopLeftoverPostgres(folder, binaries);
  if (postgres)
    lines.push(`stopped the PostgreSQL (pid ${postgres}) a previous run left in ${folder.shown()}`);
  const redis = await stopLeftoverRedis(folder, (await lastPorts(folder)).redis);
  if (redis) lines.push(`stopped the Redis (pid ${redis}) a previous run left in ${folder.shown()}`);
  return lines;
}

/**
 * The first run on a machine with Node alone: where DATABASE_URL or REDIS_URL is not set
 * and nothing answers at the default address, `tess start` and `tess demo` run the
 * server themselves from ./.tess — PostgreSQL from the embedded-postgres package,
 * redis-server from the PATH — and stop it when they stop. A URL that is set is used as
 * it is: a server there that cannot be reached is the error it always was. `embedded`
 * false (--no-embedded) starts nothing.
 */
export async function startLocalServices(
  settings: Settings,
  options: { embedded: boolean; say: (line: string) => void },
): Promise<LocalServices> {
  const nothing = { ...NOTHING, settings };
  if (!options.embedded) return nothing;
  const silentAt = (set: boolean, url: string, port: number) =>
    set ? false : answers(url, port).then((ok) => !ok);
  const [postgres, redis] = await Promise.all([
    silentAt(settings.urlsSet.database, settings.databaseUrl, 5432),
    silentAt(settings.urlsSet.redis, settings.redisUrl, 6379),
  ]);
  if (!postgres && !redis) return nothing;

  // Everything that can refuse does so before anything starts.
  const silent = (url: string) => `nothing answers at ${redactUrl(url)}`;
  if (postgres && settings.timescaledb === 'on') {
    throw new TessError(
      ErrorCode.INVALID,
      `TIMESCALEDB=on, but ${silent(settings.databaseUrl)} and the PostgreSQL TESS would start itself ` +
        'is plain PostgreSQL; start TimescaleDB (`docker compose up -d postgres`) and set DATABASE_URL, or TIMESCALEDB=auto',
    );
  }
  const binaries = postgres ? await postgresBinaries() : undefined;
  if (binaries && 'missing' in binaries) {
    throw new TessError(
      ErrorCode.UNAVAILABLE,
      `${silent(settings.databaseUrl)} and there is no embedded PostgreSQL for this platform (${binaries.missing} ` +
        'is not installed); start one with `docker compose up -d postgres`, or set DATABASE_URL',
    );
  }
  if (redis && !(await hasRedisServer())) {
    throw new TessError(
      ErrorCode.UNAVAILABLE,
      `${silent(settings.redisUrl)} and there is no redis-server on the PATH to start; get one with ` +
        '`apt-get install redis-server`, `brew install redis` or `docker compose up -d redis`, or set REDIS_URL',
    );
  }
  const folder = localFolder();
  const claim = await claimFolder(folder);
  if ('owner' in claim) {
    throw new TessError(
      ErrorCode.UNAVAILABLE,
      `${silent(postgres ? settings.databaseUrl : settings.redisUrl)}, and the servers TESS runs itself ` +
        `from ${folder.shown()} are in use by another TESS (pid ${claim.owner}); stop it, run this one in another ` +
        'folder, or share its servers by setting DATABASE_URL and REDIS_URL to the URLs its start-up line names',
    );
  }

  const started: LocalServer[] = [];
  const stopNow = () => {
    for (const server of started) server.stopNow();
  };
  // A process that exits without stopping them (an error thrown past us, a forced exit)
  // still tells them to stop: nothing is left running.
  process.on('exit', stopNow);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const server of started.reverse()) await server.stop().catch(() => server.stopNow());
    started.length = 0;
    process.off('exit', stopNow);
    await claim.release();
  };
  try {
    for (const line of await stopLeftovers(folder)) options.say(line);
    const ports = await lastPorts(folder);
    let { databaseUrl, redisUrl } = settings;
    if (binaries) {
      options.say(`${silent(databaseUrl)}: starting an embedded PostgreSQL in ${folder.shown('postgres')}`);
      const port = await freePort(ports.postgres);
      await rememberPort(folder, 'postgres', port);
      const server = await startEmbeddedPostgres(folder, binaries, port, databaseUrl);
      started.push(server);
      databaseUrl = server.url;
    }
    if (redis) {
      options.say(`${silent(redisUrl)}: starting redis-server in ${folder.shown('redis')}`);
      const port = await freePort(ports.redis);
      await rememberPort(folder, 'redis', port);
      const server = await startLocalRedis(folder, port);
      started.push(server);
      redisUrl = server.url;
    }
    return {
      settings: Object.freeze({ ...settings, databaseUrl, redisUrl }),
      notes: started.map((s) => s.note),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The settings of a command run beside a `tess start` that runs its own PostgreSQL
 * (`tess token create`, `tess migrate`): where DATABASE_URL is not set and nothing
 * answers at the default, the embedded server running from ./.tess, if one does.
 */
export async function runningEmbedded(settings: Settings): Promise<Settings> {
  if (settings.urlsSet.database || (await answers(settings.databaseUrl, 5432))) return settings;
  const folder = localFolder();
  const port = (await lastPorts(folder)).postgres;
  if (!port || !(await exists(folder.file('postgres/postmaster.pid')))) return settings;
  const url = embeddedUrl(settings.databaseUrl, port);
  return (await answers(url, port)) ? Object.freeze({ ...settings, databaseUrl: url }) : settings;
}
