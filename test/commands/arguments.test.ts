import { describe, expect, it } from 'vitest';
import { wholeNumber } from '../../cli/arguments.js';
import { tess } from '../helpers/cli.js';

describe('whole-number arguments of the command line', () => {
  it('take digits only, within their range, and name the argument and the value refused', () => {
    const devices = wholeNumber('--devices', 2, 100_000);
    expect(devices('200')).toBe(200);
    expect(devices('100000')).toBe(100_000);
    for (const bad of ['1', '100001', '-5', '2.5', '1e3', ' 7', '', '0x10']) {
      expect(() => devices(bad), bad).toThrow(
        `--devices must be a whole number from 2 to 100000, not "${bad}"`,
      );
    }
    expect(() => wholeNumber('--user', 1)('0')).toThrow('--user must be a positive whole number, not "0"');
    expect(wholeNumber('N')('0')).toBe(0);
    // Beyond what a double holds exactly: refused, not rounded.
    expect(() => wholeNumber('N')('99999999999999999999')).toThrow(
      'N must be a whole number, not "99999999999999999999"',
    );
  });

  it('are refused before any work, in one line on standard error, exit 1', async () => {
    // No database is named: each is refused while the command line is read.
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' };
    const cases: [string[], string][] = [
      [['demo', '--devices', '1'], '--devices must be a whole number from 2 to 100000, not "1"'],
      [['token', 'create', '--device', '-3'], '--device must be a positive whole number, not "-3"'],
      [['migrate', 'down', '99999999999999999999'], 'N must be a whole number, not "99999999999999999999"'],
      [['migrate', 'force', '-2'], 'V must be a whole number, not "-2"'],
    ];
    for (const [args, message] of cases) {
      const r = await tess(args, { env });
      expect(r.stderr, args.join(' ')).toBe(`tess: ${message}\n`);
      expect(r.code, args.join(' ')).toBe(1);
    }
  });
});
