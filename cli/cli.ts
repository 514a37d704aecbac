import { Command } from 'commander';
import { isTessError } from '../engine/errors.js';
import { registerClear } from './commands/clear.js';
import { registerDataset } from './commands/dataset.js';
import { registerDemo } from './commands/demo.js';
import { registerDump } from './commands/dump.js';
import { registerGateway } from './commands/gateway.js';
import { registerMigrate } from './commands/migrate.js';
import { registerStart } from './commands/start.js';
import { registerStopLocal } from './commands/stop-local.js';
import { registerToken } from './commands/token.js';

/**
 * The `tess` command line. Each command lives in cli/commands/<name>.ts and registers
 * itself here; failures print one line on standard error and exit non-zero.
 */
const program = new Command('tess')
  .description('TESS transactive-energy market engine')
  .showHelpAfterError()
  .exitOverride();

for (const register of [
  registerStart,
  registerMigrate,
  registerClear,
  registerDump,
  registerToken,
  registerGateway,
  registerDataset,
  registerDemo,
  registerStopLocal,
])
  register(program);

// Output piped into a reader that stopped (`tess dataset sample … | head`): the command is done.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const code = (err as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
  if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
  process.stderr.write(`tess: ${isTessError(err) ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
  process.exit(1);
}
