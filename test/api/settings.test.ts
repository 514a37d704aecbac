import { describe, expect, it } from 'vitest';
import { readSettings } from '../../cli/settings.js';

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
    // With the credit-token key production also requires (gateway-settings.test.ts).
    const production = { NODE_ENV: 'production', CREDIT_TOKEN_KEY: 'k'.repeat(32) };
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

describe('TRUST_PROXY, rate limits, timeouts, METRICS_TOKEN', () => {
  it.each([
    [{}, false],
    [{ TRUST_PROXY: 'off' }, false],
    [{ TRUST_PROXY: 'on' }, true],
    [{ TRUST_PROXY: '2' }, 2],
    [{ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }, ['10.0.0.1', '192.168.0.0/16', '::1']],
  ])('TRUST_PROXY %j', (env, trust) => {
    expect(readSettings(env).trustProxy).toEqual(trust);
  });

  it.each(['yes', '0', '11', '10.0.0.300', '10.0.0.0/33', 'proxy.example.org', '10.0.0.1,'])(
    'TRUST_PROXY %j is refused',
    (value) => {
      expect(() => readSettings({ TRUST_PROXY: value })).toThrow(/^TRUST_PROXY must be off, on, a number/);
    },
  );

  it('defaults, and the ranges of the numbers', () => {
    const s = readSettings({});
    expect([s.tokenRateLimit, s.addressRateLimit, s.requestTimeoutMs, s.metricsToken]).toEqual([
      3000,
      1200,
      30_000,
      '',
    ]);
    expect(readSettings({ TOKEN_RATE_LIMIT: '60', REQUEST_TIMEOUT_MS: '5000' })).toMatchObject({
      tokenRateLimit: 60,
      requestTimeoutMs: 5000,
    });
    expect(() => readSettings({ ADDRESS_RATE_LIMIT: '0' })).toThrow(
      'ADDRESS_RATE_LIMIT must be an integer from 1 to 1000000000, not "0"',
    );
    expect(() => readSettings({ REQUEST_TIMEOUT_MS: '50' })).toThrow(
      'REQUEST_TIMEOUT_MS must be an integer from 100 to 600000, not "50"',
    );
  });

  it('METRICS_TOKEN is a password: 16 to 200 printable characters', () => {
    expect(readSettings({ METRICS_TOKEN: 'a-long-enough-secret' }).metricsToken).toBe('a-long-enough-secret');
    for (const bad of ['short', 'has a space in it ok', 'x'.repeat(201)]) {
      expect(() => readSettings({ METRICS_TOKEN: bad })).toThrow(
        /^METRICS_TOKEN must be 16 to 200 printable/,
      );
    }
  });
});
