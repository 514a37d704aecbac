import { describe, expect, it } from 'vitest';
import { creditTokenKeyNotice, DEVELOPMENT_CREDIT_TOKEN_KEY, readSettings } from '../../cli/settings.js';

describe('CREDIT_TOKEN_KEY', () => {
  const production = { NODE_ENV: 'production', ADMIN_EMAIL: 'ops@example.org' };

  it('is required by tess start in production', () => {
    expect(() => readSettings(production, 'start')).toThrow(/CREDIT_TOKEN_KEY is required/);
    const key = 'k'.repeat(32);
    expect(readSettings({ ...production, CREDIT_TOKEN_KEY: key }, 'start').creditTokenKey).toBe(key);
    // Other commands work without it.
    expect(readSettings(production).creditTokenKey).toBe(DEVELOPMENT_CREDIT_TOKEN_KEY);
  });

  it('is at least 32 bytes', () => {
    expect(() => readSettings({ CREDIT_TOKEN_KEY: 'k'.repeat(31) })).toThrow(/at least 32 bytes/);
    // Bytes, not characters: 16 two-byte characters are 32 bytes.
    expect(readSettings({ CREDIT_TOKEN_KEY: 'é'.repeat(16) }).creditTokenKey).toBe('é'.repeat(16));
  });

  it('defaults to the development key, with a warning that its tokens are not secret', () => {
    const settings = readSettings({});
    expect(settings.creditTokenKey).toBe(DEVELOPMENT_CREDIT_TOKEN_KEY);
    expect(creditTokenKeyNotice(settings)).toMatch(/not secret/);
    expect(creditTokenKeyNotice(readSettings({ CREDIT_TOKEN_KEY: 'x'.repeat(40) }))).toBeNull();
  });
});
