import { describe, expect, it } from 'vitest';
import { readSettings } from '../../api/settings.js';

const invalid = (value: string) => ({
  code: 'INVALID',
  message: `ADMIN_EMAIL must be an email address (name@host), not ${JSON.stringify(value)}`,
});
const required = {
  code: 'INVALID',
  message:
    'ADMIN_EMAIL is required when NODE_ENV=production: the address new systems name as their administrator',
};

describe('ADMIN_EMAIL', () => {
  it.each([
    ['unset', {}, 'admin@localhost'],
    ['empty', { ADMIN_EMAIL: '' }, 'admin@localhost'],
    ['a domain', { ADMIN_EMAIL: 'grid-ops@utility.example.org' }, 'grid-ops@utility.example.org'],
    ['a single-label host', { ADMIN_EMAIL: 'root@localhost' }, 'root@localhost'],
    ['plus and dots', { ADMIN_EMAIL: 'first.last+tess@x-1.example' }, 'first.last+tess@x-1.example'],
  ])('%s: %s', (_what, env, adminEmail) => {
    expect(readSettings(env).adminEmail).toBe(adminEmail);
  });

  it.each([
    'ops',
    'ops@',
    '@utility.example.org',
    'a@b@c',
    'two words@example.org',
    'ops@example.org ',
    'ops\n@example.org',
    '"quoted"@example.org',
    'ops@under_score.example',
    'ops@-dash.example',
    'ops@example.org.',
    'ops@example..org',
    `${'x'.repeat(65)}@example.org`,
    `ops@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`,
  ])('refuses %j, naming the variable', (value) => {
    expect(() => readSettings({ ADMIN_EMAIL: value })).toThrow(expect.objectContaining(invalid(value)));
  });

  it('tess start in production requires it; other commands and other environments default it', () => {
    const production = { NODE_ENV: 'production' };
    expect(() => readSettings(production, 'start')).toThrow(expect.objectContaining(required));
    expect(() => readSettings({ ...production, ADMIN_EMAIL: '' }, 'start')).toThrow(
      expect.objectContaining(required),
    );
    expect(readSettings({ ...production, ADMIN_EMAIL: 'ops@example.org' }, 'start').adminEmail).toBe(
      'ops@example.org',
    );
    // A bad shape is refused in production as anywhere.
    expect(() => readSettings({ ...production, ADMIN_EMAIL: 'ops' }, 'start')).toThrow(
      expect.objectContaining(invalid('ops')),
    );
    expect(readSettings(production).adminEmail).toBe('admin@localhost');
    for (const NODE_ENV of [undefined, 'development', 'test', 'Production']) {
      expect(readSettings(NODE_ENV === undefined ? {} : { NODE_ENV }, 'start').adminEmail, NODE_ENV).toBe(
        'admin@localhost',
      );
    }
  });
});
