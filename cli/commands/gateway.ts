import type { Command } from 'commander';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { BATCH_TOKENS_MAX, TOKEN_VALUE_MAX, tokenBatchCsv } from '../../engine/gateway/index.js';
import { issueTokenBatch } from '../../storage/index.js';
import { wholeNumber } from '../arguments.js';
import { systemOf, withHandle } from '../handle.js';
import { creditTokenKeyNotice } from '../settings.js';

/**
 * A token's value as typed: a plain decimal of currency units, above 0 and at most
 * TOKEN_VALUE_MAX, to the micro-unit (engine/gateway's checkBatch, said of the option).
 */
function denomination(value: string): number {
  const n = Number(value);
  if (!/^\d{1,7}(\.\d{1,6})?$/.test(value) || !(n > 0) || n > TOKEN_VALUE_MAX) {
    throw new TessError(
      ErrorCode.INVALID,
      `--denomination must be a number above 0 and at most ${TOKEN_VALUE_MAX}, with at most 6 decimals, not "${value}"`,
    );
  }
  return n;
}

export function registerGateway(program: Command): void {
  const gateway = program.command('gateway').description('prepaid microgrids: credit tokens');
  gateway
    .command('tokens')
    .description(
      'issue a batch of credit tokens and print it (only it) as CSV, number,value, on standard output; ' +
        'only their hashes are stored: the numbers cannot be shown again',
    )
    .option('--denomination <D>', 'value of each token, in currency units', denomination)
    .option('--count <N>', 'how many tokens', wholeNumber('--count', 1, BATCH_TOKENS_MAX))
    .option('--system <NAME>', 'system the tokens are for (default: the default system)')
    .action(async (opts: { denomination?: number; count?: number; system?: string }) => {
      const { denomination: value, count } = opts;
      if (value === undefined || count === undefined) {
        throw new TessError(ErrorCode.INVALID, 'gateway tokens needs --denomination D and --count N');
      }
      await withHandle(async (db, settings) => {
        const systemId = await systemOf(db, opts.system);
        const notice = creditTokenKeyNotice(settings);
        if (notice) process.stderr.write(`tess: ${notice}\n`);
        const issued = await issueTokenBatch(
          db,
          systemId,
          [{ denomination: value, count }],
          settings.creditTokenKey,
        );
        process.stdout.write(tokenBatchCsv(issued.tokens));
      });
    });
}
