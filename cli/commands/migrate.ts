import type { Command } from 'commander';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { createdNotice, ensureDatabase } from '../../storage/index.js';
import { type MigrateCommand, migrate } from '../../storage/index.js';
import { wholeNumber } from '../arguments.js';
import { runningEmbedded } from '../local/local-services.js';
import { readSettings } from '../settings.js';

const steps = wholeNumber('N');
const version = wholeNumber('V');

export function registerMigrate(program: Command): void {
  const cmd = program
    .command('migrate')
    .description('apply or undo SQL migrations (golang-migrate compatible state)')
    .addHelpText(
      'after',
      '\nSubcommands: up [N] | down N | down --all | version | force V (V = -1 for none)',
    );

  const run = async (command: MigrateCommand) => {
    const { databaseUrl, timescaledb } = await runningEmbedded(readSettings());
    // Only `up` creates a missing database, as `npm start` does; version, down and force
    // report it missing (one line, from the connect) rather than create an empty one.
    if (command.kind === 'up' && (await ensureDatabase(databaseUrl)))
      process.stdout.write(`${createdNotice(databaseUrl)}\n`);
    const result = await migrate(databaseUrl, command, { timescaledb });
    for (const file of result.applied) process.stdout.write(`applied ${file}\n`);
    // On standard error: what a migration could not do (an application role it may not create).
    for (const notice of result.notices) process.stderr.write(`tess: notice: ${notice}\n`);
    process.stdout.write(`version ${result.version ?? 'none'}${result.dirty ? ' (dirty)' : ''}\n`);
  };

  cmd
    .command('up')
    .argument('[N]', 'how many', steps)
    .description('apply all pending migrations, or the next N')
    .action((n?: number) => run({ kind: 'up', ...(n === undefined ? {} : { steps: n }) }));
  cmd
    .command('down')
    .argument('[N]', 'how many', steps)
    .description('undo the last N migrations (--all: every one)')
    .option('--all', 'undo every migration')
    .action((n: number | undefined, opts: { all?: boolean }) => {
      if (n === undefined && !opts.all) {
        throw new TessError(
          ErrorCode.INVALID,
          'migrate down needs a count N, or --all to undo every migration',
        );
      }
      return run({ kind: 'down', ...(n === undefined ? {} : { steps: n }) });
    });
  cmd
    .command('version')
    .description('print the current version')
    .action(() => run({ kind: 'version' }));
  cmd
    .command('force')
    .argument('<V>', 'the version', (v: string) => (v === '-1' ? null : version(v)))
    .description(
      'mark version V as applied and clean, without running anything (-1: none); after a failed ' +
        'migration: the version before it, then `up` to retry, or the failed one if you applied it by hand',
    )
    .action((v: number | null) => run({ kind: 'force', version: v }));
}
