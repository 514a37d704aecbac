import type { Command } from 'commander';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { claimFolder, exists, localFolder } from '../local/folder.js';
import { stopLeftovers } from '../local/local-services.js';

export function registerStopLocal(program: Command): void {
  program
    .command('stop-local')
    .description('stop the PostgreSQL and Redis a killed `tess start` or `tess demo` left running in ./.tess')
    .action(async () => {
      const folder = localFolder();
      const say = (line: string): void => void process.stdout.write(`${line}\n`);
      if (!(await exists(folder.path))) return say(`nothing to stop: there is no ${folder.shown()} here`);
      const claim = await claimFolder(folder);
      if ('owner' in claim) {
        throw new TessError(
          ErrorCode.UNAVAILABLE,
          `TESS (pid ${claim.owner}) is running with the servers in ${folder.shown()}; stop it ` +
            `(Ctrl-C, or kill ${claim.owner}) and it stops them`,
        );
      }
      try {
        const lines = await stopLeftovers(folder);
        for (const line of lines) say(line);
        if (!lines.length) say(`nothing left running in ${folder.shown()}`);
      } finally {
        await claim.release();
      }
    });
}
