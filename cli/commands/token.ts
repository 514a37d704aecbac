import type { Command } from 'commander';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { type Database, openDatabase, requireMigrated } from '../../storage/index.js';
import { issueToken } from '../../storage/index.js';
import { wholeNumber } from '../arguments.js';
import { runningEmbedded } from '../local/local-services.js';
import { readSettings } from '../settings.js';

/** The entry id of an ADMINISTRATOR of the default system, created (from its admin-email config) when there is none. */
async function administrator(db: Database): Promise<number> {
  const systemId = await db.systemId();
  const [found] = await db.user.list({ where: { system_id: systemId, role: 'ADMINISTRATOR' }, limit: 1 });
  if (found) return found.user_id;
  const email = (await db.configValue(systemId, 'admin-email')) || 'admin@localhost';
  try {
    return (await db.user.add({ system_id: systemId, name: 'administrator', role: 'ADMINISTRATOR', email }))
      .user_id;
  } catch (err) {
    if ((err as TessError).code === ErrorCode.EXISTS) {
      throw new TessError(
        ErrorCode.EXISTS,
        `cannot create the administrator: a user with email ${email} exists and is not an ADMINISTRATOR`,
      );
    }
    throw err;
  }
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('bearer tokens of the HTTP API');
  token
    .command('create')
    .description('issue a token and print it (only it) on standard output; it cannot be shown again')
    .option('--admin', 'for an ADMINISTRATOR of the default system (created if missing)')
    .option('--user <ID>', 'for this user', wholeNumber('--user', 1))
    .option(
      '--device <ID>',
      'for this device (it may place orders and post meter readings)',
      wholeNumber('--device', 1),
    )
    .action(async (opts: { admin?: boolean; user?: number; device?: number }) => {
      const chosen = [opts.admin, opts.user, opts.device].filter((o) => o !== undefined).length;
      if (chosen !== 1)
        throw new TessError(
          ErrorCode.INVALID,
          'token create needs exactly one of --admin, --user ID, --device ID',
        );
      const { user: userId, device: deviceId } = opts;
      const { databaseUrl, adminEmail } = await runningEmbedded(readSettings());
      // One line naming the database and what to run, rather than `relation … does not exist`.
      await requireMigrated(databaseUrl);
      // The README's first step creates the default system here: it gets the operator's address.
      const db = await openDatabase(databaseUrl, { poolSize: 2, adminEmail });
      try {
        const target = opts.admin ? { userId: await administrator(db) } : { userId, deviceId };
        if (target.userId !== undefined && !opts.admin) {
          const user = await db.user.get(target.userId);
          if (!user) throw new TessError(ErrorCode.NOT_FOUND, `user ${target.userId} not found`);
        }
        const issued = await issueToken(db, target);
        process.stdout.write(`${issued.token}\n`);
      } finally {
        await db.close();
      }
    });
}
