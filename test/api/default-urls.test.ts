import { describe, expect, it } from 'vitest';
import { readSettings } from '../../cli/settings.js';

describe('default URLs', () => {
  it.each([
    [
      'nothing set',
      {},
      ['postgres://postgres@127.0.0.1:5432/tess', 'redis://127.0.0.1:6379'],
      [false, false],
    ],
    [
      'moved defaults',
      { TESS_DEFAULT_DATABASE_URL: 'postgres://u@db:6543/x', TESS_DEFAULT_REDIS_URL: 'redis://cache:7000' },
      ['postgres://u@db:6543/x', 'redis://cache:7000'],
      [false, false],
    ],
    [
      'set URLs win over moved defaults',
      {
        DATABASE_URL: 'postgres://a@h/d',
        REDIS_URL: 'redis://r:1',
        TESS_DEFAULT_DATABASE_URL: 'postgres://u@db:6543/x',
        TESS_DEFAULT_REDIS_URL: 'redis://cache:7000',
      },
      ['postgres://a@h/d', 'redis://r:1'],
      [true, true],
    ],
    [
      'empty is unset',
      { DATABASE_URL: '', REDIS_URL: 'redis://r:1' },
      [expect.any(String), 'redis://r:1'],
      [false, true],
    ],
  ])('%s', (_what, env, urls, set) => {
    const s = readSettings(env);
    expect([s.databaseUrl, s.redisUrl]).toEqual(urls);
    expect([s.urlsSet.database, s.urlsSet.redis]).toEqual(set);
  });

  it.each([
    ['TESS_DEFAULT_DATABASE_URL', 'nope', 'TESS_DEFAULT_DATABASE_URL is not a URL: "nope"'],
    [
      'TESS_DEFAULT_DATABASE_URL',
      'mysql://h/d',
      'TESS_DEFAULT_DATABASE_URL must start with postgres:// or postgresql://',
    ],
    ['TESS_DEFAULT_REDIS_URL', 'http://h', 'TESS_DEFAULT_REDIS_URL must start with redis:// or rediss://'],
  ])('%s=%j is refused, naming the variable', (name, value, message) => {
    expect(() => readSettings({ [name]: value })).toThrow(
      expect.objectContaining({ code: 'INVALID', message }),
    );
  });
});
