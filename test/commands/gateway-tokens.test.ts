import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_CREDIT_TOKEN_KEY } from '../../cli/settings.js';
import { hashTokenNumber } from '../../storage/index.js';
import { tess } from '../helpers/cli.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const KEY = 'a-credit-token-key-of-the-tests-0123456789';
const env = (extra: NodeJS.ProcessEnv = {}) => ({ DATABASE_URL: t.test.url, CREDIT_TOKEN_KEY: '', ...extra });

/** The CSV's token lines, checked for shape: a header, then `number,value` lines. */
function csvTokens(stdout: string): { number: string; value: number }[] {
  const [header, ...lines] = stdout.split('\n');
  expect(header).toBe('number,value');
  expect(lines.pop()).toBe('');
  return lines.map((line) => {
    expect(line).toMatch(/^\d{11,},\d+(\.\d+)?$/);
    const [number, value] = line.split(',');
    return { number: number!, value: Number(value) };
  });
}

/** The stored token of `number` under `key`, or null. */
async function stored(key: string, number: string) {
  const id = await t.db.credit_token.find({ number_hash: hashTokenNumber(key, number) });
  return id === null ? null : t.db.credit_token.get(id);
}

const counts = async () =>
  (
    await t.db.sql.query(
      `SELECT (SELECT count(*)::int FROM gateway.token_batch) AS batches,
              (SELECT count(*)::int FROM gateway.credit_token) AS tokens`,
    )
  ).rows[0] as { batches: number; tokens: number };

describe('tess gateway tokens', () => {
  it('issues a batch for the default system and prints only its CSV; the numbers are stored as hashes', async () => {
    const r = await tess(['gateway', 'tokens', '--denomination', '2.5', '--count', '7'], { env: env() });
    expect(r.code).toBe(0);
    // The development key is named on standard error, never mixed into the CSV.
    expect(r.stderr).toMatch(/^tess: CREDIT_TOKEN_KEY is not set: [^\n]*not secret[^\n]*\n$/);
    const tokens = csvTokens(r.stdout);
    expect(tokens).toHaveLength(7);
    expect(new Set(tokens.map((tk) => tk.number)).size).toBe(7);
    const batches = new Set<number>();
    for (const tk of tokens) {
      expect(tk.value).toBe(2.5);
      const row = await stored(DEVELOPMENT_CREDIT_TOKEN_KEY, tk.number);
      expect(row, tk.number).toMatchObject({ value: 2.5 });
      batches.add(row!.token_batch_id);
    }
    expect(batches.size).toBe(1);
    const batch = await t.db.token_batch.get([...batches][0]!);
    expect(batch!.system_id).toBe(await t.db.systemId());
  });

  it('--system names the system; a CREDIT_TOKEN_KEY set is used and nothing is said of it', async () => {
    const village = await t.db.system.add({ name: 'village' });
    const r = await tess(
      ['gateway', 'tokens', '--denomination', '0.000001', '--count', '2', '--system', 'village'],
      { env: env({ CREDIT_TOKEN_KEY: KEY }) },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const tokens = csvTokens(r.stdout);
    expect(tokens.map((tk) => tk.value)).toEqual([0.000001, 0.000001]);
    for (const tk of tokens) {
      expect(await stored(DEVELOPMENT_CREDIT_TOKEN_KEY, tk.number)).toBeNull();
      const row = await stored(KEY, tk.number);
      expect((await t.db.token_batch.get(row!.token_batch_id))!.system_id).toBe(village.system_id);
    }
  });

  it('refuses bad arguments in one line on standard error, exits 1 and issues nothing', async () => {
    const before = await counts();
    const cases: [string[], string][] = [
      [['--count', '3'], 'gateway tokens needs --denomination D and --count N'],
      [['--denomination', '5'], 'gateway tokens needs --denomination D and --count N'],
      [
        ['--denomination', '0', '--count', '3'],
        '--denomination must be a number above 0 and at most 1000000, with at most 6 decimals, not "0"',
      ],
      [
        ['--denomination', '1000000.5', '--count', '3'],
        '--denomination must be a number above 0 and at most 1000000, with at most 6 decimals, not "1000000.5"',
      ],
      [
        ['--denomination', '0.0000001', '--count', '3'],
        '--denomination must be a number above 0 and at most 1000000, with at most 6 decimals, not "0.0000001"',
      ],
      [
        ['--denomination', '1e3', '--count', '3'],
        '--denomination must be a number above 0 and at most 1000000, with at most 6 decimals, not "1e3"',
      ],
      [
        ['--denomination', '-5', '--count', '3'],
        '--denomination must be a number above 0 and at most 1000000, with at most 6 decimals, not "-5"',
      ],
      [['--denomination', '5', '--count', '0'], '--count must be a whole number from 1 to 100000, not "0"'],
      [
        ['--denomination', '5', '--count', '100001'],
        '--count must be a whole number from 1 to 100000, not "100001"',
      ],
      [
        ['--denomination', '5', '--count', '2.5'],
        '--count must be a whole number from 1 to 100000, not "2.5"',
      ],
      [['--denomination', '5', '--count', '2', '--system', 'nowhere'], 'system "nowhere" not found'],
    ];
    for (const [args, message] of cases) {
      const r = await tess(['gateway', 'tokens', ...args], { env: env({ CREDIT_TOKEN_KEY: KEY }) });
      expect(r.stderr, args.join(' ')).toBe(`tess: ${message}\n`);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(await counts()).toEqual(before);
  });
});
