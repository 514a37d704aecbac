import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs in CI, so this checks what `docker compose config` would:
// the file parses, every reference resolves, and every service is health-checked.
describe('docker-compose.yml', async () => {
  const compose = parse(await readFile(new URL('../docker-compose.yml', import.meta.url), 'utf8'));
  const services: Record<string, Record<string, unknown>> = compose.services;

  it('runs TimescaleDB on PostgreSQL 16 or 17, Redis 7 and the app built from this repository', () => {
    expect(services['postgres']?.['image']).toMatch(/^timescale\/timescaledb(-ha)?:.*pg1[67]/);
    expect(services['redis']?.['image']).toMatch(/^redis:7/);
    const builds = Object.values(services).filter((s) => s['build'] === '.');
    expect(builds.length).toBeGreaterThan(0);
  });

  it('runs the API and the workers as separate services of one image', () => {
    expect(services['api']?.['command']).toEqual(['node', 'cli/tess.js', 'start', '--role', 'api']);
    expect(services['worker']?.['command']).toEqual(['node', 'cli/tess.js', 'start', '--role', 'worker']);
    expect(services['worker']?.['image']).toBe(services['api']?.['image']);
  });

  it('health-checks every service and waits on healthy dependencies', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s['healthcheck'], name).toBeDefined();
      for (const [dep, cond] of Object.entries(
        (s['depends_on'] ?? {}) as Record<string, { condition: string }>,
      )) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        expect(cond.condition).toBe('service_healthy');
      }
    }
  });

  it('keeps the database in a declared named volume', () => {
    const volumes = services['postgres']?.['volumes'] as string[];
    const named = volumes
      .map((v) => v.split(':')[0]!)
      .filter((v) => !v.startsWith('.') && !v.startsWith('/'));
    expect(named.length).toBe(1);
    expect(Object.keys(compose.volumes)).toContain(named[0]);
  });
});
