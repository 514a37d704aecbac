import { timescaleChoice } from '../helpers/server-url.js';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../http/status.js';
import { buildServer } from '../../http/server.js';
import { readSettings } from '../../cli/settings.js';
import { ErrorCode } from '../../http/error-codes.js';
import { call, useApi } from './helpers.js';

const api = useApi();

describe('health, metrics, docs', () => {
  it('/health checks PostgreSQL and Redis', async () => {
    const r = await call(api.app, 'GET', '/health');
    expect(r.statusCode).toBe(200);
    const storage = {
      on: /^TimescaleDB \d+\.\d+/,
      off: /^plain PostgreSQL: this database was created without it \(TIMESCALEDB=off\)$/,
      auto: /^(TimescaleDB \d+\.\d+|plain PostgreSQL: .+)/,
    }[timescaleChoice()];
    expect(r.data).toEqual({ status: 'ok', storage: expect.stringMatching(storage) });
  });

  it('/health is 503 naming what is down', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const app = await buildServer({
      settings: readSettings({ DATABASE_URL: api.test.url, LOG_LEVEL: 'silent' }),
      db: api.db,
      redis: dead,
    });
    try {
      const r = await call(app, 'GET', '/health');
      expect(r.statusCode).toBe(503);
      expect(r.data).toEqual({ error: { code: 'UNAVAILABLE', message: 'redis unreachable' } });
    } finally {
      await app.close();
      dead.disconnect();
    }
  });

  it('/metrics has request latency by route and the runtime metrics', async () => {
    await call(api.app, 'GET', '/api/v1/prices/current?resource=capacity');
    const r = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('tess_http_request_duration_seconds_bucket{');
    expect(r.body).toContain('route="/api/v1/prices/current"');
    expect(r.body).toContain('tess_clearing_seconds');
    expect(r.body).toContain('tess_orders_per_interval');
  });

  it('/docs/json is the OpenAPI document and /docs the page', async () => {
    const r = await call(api.app, 'GET', '/docs/json');
    expect(r.statusCode).toBe(200);
    expect(r.data.openapi).toMatch(/^3\./);
    expect(Object.keys(r.data.paths)).toEqual(
      expect.arrayContaining(['/api/v1/orders', '/api/v1/prices/current', '/api/v1/config/{id}']),
    );
    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });
});

describe('error codes and HTTP statuses', () => {
  it("README's table is http/status.ts, and every code has a status", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('\n## HTTP API'));
    expect(section.length).toBeGreaterThan(20);
    const table: Record<string, number> = {};
    for (const [, code, status] of section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)) {
      table[code!] = Number(status);
    }
    expect(table).toEqual({ ...HTTP_STATUS });
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.values(ErrorCode).sort());
  });
});
