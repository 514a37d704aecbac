import { describe, expect, inject, it } from 'vitest';
import { tess } from './helpers/cli.js';
import { serverUrl } from './helpers/server-url.js';

// Port 1 on loopback: nothing listens there, so connections are refused at once.
describe('unreachable servers', () => {
  it('PostgreSQL: one line naming the URL and how to start it, exit 1', async () => {
    const r = await tess(['migrate', 'version'], {
      env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/tess' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'tess: cannot reach PostgreSQL at postgres://postgres@127.0.0.1:1/tess (ECONNREFUSED); start it with `docker compose up -d postgres redis`\n',
    );
  });

  it('Redis: one line naming the URL and how to start it, exit 1', async () => {
    const r = await tess(['start'], {
      env: {
        DATABASE_URL: serverUrl(`${inject('runPrefix')}unreachable`),
        REDIS_URL: 'redis://127.0.0.1:1',
        PORT: '0',
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tess: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\); start it with `docker compose up -d postgres redis`\n$/,
    );
  });

  it('a malformed DATABASE_URL is named, not thrown', async () => {
    const r = await tess(['migrate', 'version'], { env: { DATABASE_URL: 'not a url' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('tess: DATABASE_URL is not a URL: "not a url"\n');
  });
});
