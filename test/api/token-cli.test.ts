import { describe, expect, it } from 'vitest';
import { parseToken, secretMatches } from '../../storage/tokens.js';
import { tess } from '../helpers/cli.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();
const env = () => ({ DATABASE_URL: t.test.url });

describe('tess token create', () => {
  it('--admin creates the administrator when missing and prints only the token', async () => {
    const r = await tess(['token', 'create', '--admin'], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tess_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}\n$/);
    const parsed = parseToken(r.stdout.trim())!;
    const row = await t.db.token.get((await t.db.token.find({ unique_id: parsed.uniqueId }))!);
    expect(secretMatches(parsed.secret, row!.secret_hash)).toBe(true);
    const admin = await t.db.user.get(row!.user_id);
    expect(admin).toMatchObject({ role: 'ADMINISTRATOR', system_id: await t.db.systemId() });
    // A second --admin token belongs to the same administrator.
    const again = await tess(['token', 'create', '--admin'], { env: env() });
    const second = parseToken(again.stdout.trim())!;
    const row2 = await t.db.token.get((await t.db.token.find({ unique_id: second.uniqueId }))!);
    expect(row2!.user_id).toBe(row!.user_id);
  });

  it('--user ID and --device ID', async () => {
    const user = await t.db.user.add({ system_id: await t.db.systemId(), name: 'c', email: 'c@example.org' });
    const device = await t.db.device.add({ user_id: user.user_id, name: 'ev' });
    const u = await tess(['token', 'create', '--user', String(user.user_id)], { env: env() });
    expect(u.code).toBe(0);
    const d = await tess(['token', 'create', '--device', String(device.device_id)], { env: env() });
    expect(d.code).toBe(0);
    const row = await t.db.token.get(
      (await t.db.token.find({ unique_id: parseToken(d.stdout.trim())!.uniqueId }))!,
    );
    expect(row).toMatchObject({ device_id: device.device_id, user_id: user.user_id });
  });

  it('errors are one line on standard error and exit 1', async () => {
    for (const args of [['--user', '999999'], ['--device', '999999'], ['--user', 'abc'], []]) {
      const r = await tess(['token', 'create', ...args], { env: env() });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^tess: [^\n]+\n$/);
    }
  });
});
