import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { createdNotice, databaseName } from '../../storage/index.js';
import { openDatabase } from '../../storage/index.js';
import { prepareDatabase } from '../../storage/index.js';
import { describeStorage } from '../../storage/index.js';
import { connectRedis } from '../../workers/redis.js';
import { Runtime } from '../../workers/runtime.js';
import { listen } from '../listen.js';
import { buildServer } from '../../http/server.js';
import { creditTokenKeyNotice, readSettings } from '../settings.js';
import { buildWorkerServer } from '../../http/worker-server.js';
import { type LocalServices, startLocalServices } from '../local/local-services.js';

const ROLES = ['all', 'api', 'worker'] as const;
type Role = (typeof ROLES)[number];

/** Longest a SIGTERM waits for the interval in flight before exiting anyway. */
const SHUTDOWN_LIMIT_MS = 60_000;

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('create the database if missing, apply migrations, serve the HTTP API and clear markets')
    .option(
      '--role <role>',
      'all: everything in one process; api: HTTP only; worker: scheduler and clearing',
      'all',
    )
    .option(
      '--no-embedded',
      'never start a PostgreSQL or Redis of its own where DATABASE_URL or REDIS_URL is unset and nothing answers',
    )
    .action(async (opts: { role: string; embedded: boolean }) => {
      if (!ROLES.includes(opts.role as Role)) {
        throw new TessError(
          ErrorCode.INVALID,
          `--role must be one of ${ROLES.join(', ')}, not "${opts.role}"`,
        );
      }
      const role = opts.role as Role;
      const read = readSettings(process.env, 'start');
      const log = pino({ level: read.logLevel });
      const local = await startLocalServices(read, {
        embedded: opts.embedded,
        say: (line) => log.info(line),
      });
      // From here a signal stops what runs, local servers last; one during start-up stops
      // what has started (never a local server left running).
      let close: (() => Promise<void>) | undefined;
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping: finishing the interval in flight');
        const force = setTimeout(() => {
          log.error('shutdown took too long; exiting');
          process.exit(1);
        }, SHUTDOWN_LIMIT_MS);
        force.unref();
        await close?.();
        await local.stop();
        log.info('stopped');
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop('SIGTERM'));
      process.once('SIGINT', () => void stop('SIGINT'));
      close = await serve(role, local, log).catch(async (err) => {
        await local.stop();
        throw err;
      });
    });
}

/** Serves and clears until the returned function closes it all. */
async function serve(role: Role, local: LocalServices, log: pino.Logger): Promise<() => Promise<void>> {
  const { settings } = local;
  const redis = await connectRedis(settings.redisUrl);
  const { version, mode, created, notices } = await prepareDatabase(settings.databaseUrl, settings);
  for (const notice of notices) log.warn(notice);
  const keyNotice = creditTokenKeyNotice(settings);
  if (keyNotice) log.warn(keyNotice);
  const db = await openDatabase(settings.databaseUrl, { adminEmail: settings.adminEmail });

  let app: FastifyInstance;
  let subscriber: Awaited<ReturnType<typeof connectRedis>> | undefined;
  if (role === 'worker') {
    app = await buildWorkerServer({ db, redis, log });
  } else {
    subscriber = await connectRedis(settings.redisUrl);
    // A variable, not a literal: the server takes what it needs from these.
    const deps = { settings, db, redis, subscriber };
    app = await buildServer(deps);
  }
  // The port before the runtime: a process refused it (a second `npm start`) has not
  // joined the market's queues.
  const address = await listen(app, settings);
  const runtime =
    role === 'api'
      ? undefined
      : await Runtime.start({
          db,
          redisUrl: settings.redisUrl,
          log,
          prefix: settings.queuePrefix,
          ...(settings.clearingThreads ? { threads: settings.clearingThreads } : {}),
          lockMs: settings.jobLockMs,
          syncMs: settings.schedulerSyncMs,
          graceMs: settings.graceMs,
          horizonSeconds: settings.backfillHours * 3600,
          sms: { secrets: settings.smsSecrets, creditTokenKey: settings.creditTokenKey },
        });
  // A new database is said in the start-up line: for a mistyped name it is the only sign;
  // so is a server TESS runs itself, and where its data lives.
  log.info(
    {
      version,
      role,
      storage: mode,
      ...(created ? { created: databaseName(settings.databaseUrl) } : {}),
      ...(local.notes.length ? { local: local.notes } : {}),
    },
    `TESS (${role}) listening on ${address}, storage: ${describeStorage(mode)}` +
      (created ? `; ${createdNotice(settings.databaseUrl)}` : '') +
      local.notes.map((note) => `; ${note}`).join(''),
  );
  return async () => {
    await app.close();
    await runtime?.stop();
    await db.close();
    subscriber?.disconnect();
    redis.disconnect();
  };
}
