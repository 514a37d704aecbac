import { type ChildProcess, spawn } from 'node:child_process';
import { access, chmod, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openDatabase } from '../../storage/index.js';
import { tess } from '../helpers/cli.js';
import { createMarket, placeOrders, waitFor } from '../helpers/market.js';

// `tess start` on a machine with Node alone: no URL set, and nothing at the default addresses
// (pointed at port 1 on loopback, where nothing listens, so the real servers of this
// machine on 5432 and 6379 are not in the way).
const TESS = fileURLToPath(new URL('../../cli/tess.js', import.meta.url));
const NOTHING_AT_DEFAULTS = {
  DATABASE_URL: '',
  REDIS_URL: '',
  TESS_DEFAULT_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/tess',
  TESS_DEFAULT_REDIS_URL: 'redis://127.0.0.1:1',
  // The suite's TIMESCALEDB=on asks for what the embedded server cannot have (its own test below).
  TIMESCALEDB: 'auto',
  PORT: '0',
  HOST: '127.0.0.1',
};

const folders: string[] = [];
const children: ChildProcess[] = [];

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tess-local-'));
  // A project folder as usual (mkdtemp's are private): run as root, PostgreSQL runs as
  // the postgres user, who must reach ./.tess inside it.
  await chmod(dir, 0o755);
  folders.push(dir);
  return dir;
}

// Whatever a test left (a failed assertion mid-run): its processes killed, what they
// started stopped, the folders removed.
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cwd of folders) {
    await tess(['stop-local'], { cwd, env: NOTHING_AT_DEFAULTS });
    await rm(cwd, { recursive: true, force: true });
  }
}, 60_000);

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** The start-up line (pino JSON). */
  readonly started: Promise<{ msg: string; local?: string[] }>;
  /** Everything it printed so far. */
  readonly output: () => string;
}

function start(cwd: string): Running {
  const child = spawn(process.execPath, [TESS, 'start'], {
    cwd,
    env: {
      ...process.env,
      ...NOTHING_AT_DEFAULTS,
      LOG_LEVEL: 'info',
      SCHEDULER_SYNC_MS: '200',
      GRACE_MS: '50',
      CLEARING_THREADS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = new Promise<{ msg: string; local?: string[] }>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      for (const line of stdout.split('\n')) {
        if (line.includes('listening on http')) resolve(JSON.parse(line));
      }
    });
    void exited.then((code) => reject(new Error(`tess start exited (${code}): ${stderr}${stdout}`)));
  });
  return { child, exited, started, output: () => stdout + stderr };
}

const port = (notes: string[] | undefined, server: string) =>
  Number(notes?.join(' ').match(new RegExp(`${server} at \\w+://\\w*@?127\\.0\\.0\\.1:(\\d+)`))?.[1]);

function listening(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port: p, host: '127.0.0.1' });
    const done = (yes: boolean) => {
      socket.destroy();
      resolve(yes);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('tess start with nothing installed', () => {
  let cwd: string;
  const seconds: Record<string, number> = {};

  it('starts an embedded PostgreSQL and a Redis, serves, clears a market, and stops both on SIGTERM', async () => {
    cwd = await folder();
    const t0 = Date.now();
    const run = start(cwd);
    const line = await run.started;
    seconds['first'] = (Date.now() - t0) / 1000;
    expect(line.msg).toContain('storage: plain PostgreSQL');
    expect(line.msg).toContain('data in ./.tess/postgres (new; plain PostgreSQL, no TimescaleDB)');
    expect(line.msg).toContain('data in ./.tess/redis');
    const pgPort = port(line.local, 'embedded PostgreSQL');
    const redis = port(line.local, 'local Redis');
    expect(await listening(pgPort)).toBe(true);
    expect(await listening(redis)).toBe(true);

    const address = line.msg.match(/listening on (http:\/\/\S+),/)![1];
    const health = await fetch(`${address}/health`);
    await health.arrayBuffer();
    expect(health.status).toBe(200);

    // Other commands run beside it use its PostgreSQL.
    const token = await tess(['token', 'create', '--admin'], { cwd, env: NOTHING_AT_DEFAULTS });
    expect([token.code, token.stderr]).toEqual([0, '']);
    const admin = await fetch(`${address}/api/v1/users`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    await admin.arrayBuffer();
    expect(admin.status).toBe(200);

    // A second TESS in the folder keeps off the servers the first one runs.
    const second = await tess(['start'], { cwd, env: NOTHING_AT_DEFAULTS });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/are in use by another TESS \(pid \d+\); stop it/);

    const url = `postgres://postgres@127.0.0.1:${pgPort}/tess`;
    const db = await openDatabase(url);
    // Raw SQL beside the handle, on connections of its own.
    const sql = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const market = await createMarket(db, 'embedded', 1, 2);
      const interval = await placeOrders(
        db,
        market,
        1,
        [
          { device: 0, side: 'buy', quantity: 5, price: 40 },
          { device: 1, side: 'sell', quantity: 5, price: 20 },
        ],
        Date.now() + 3_000,
      );
      const price = await waitFor('the market to clear', async () => {
        const { rows } = await sql.query(
          'SELECT price, quantity FROM price WHERE resource_id = $1 AND interval_start = $2',
          [market.resourceId, interval],
        );
        return rows[0];
      });
      expect(Number(price.quantity)).toBe(5);
    } finally {
      await sql.end();
      await db.close();
    }

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(await listening(pgPort)).toBe(false);
    expect(await listening(redis)).toBe(false);
    expect(await exists(join(cwd, '.tess/lock'))).toBe(false);
  }, 120_000);

  it('a second run reuses the data', async () => {
    const t0 = Date.now();
    const run = start(cwd);
    const line = await run.started;
    seconds['second'] = (Date.now() - t0) / 1000;
    expect(line.msg).toContain('data in ./.tess/postgres (reused;');
    expect(line.msg).not.toContain('created database');
    const pgPort = port(line.local, 'embedded PostgreSQL');
    const url = `postgres://postgres@127.0.0.1:${pgPort}/tess`;
    const db = await openDatabase(url);
    const sql = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const systemId = await db.system.find({ name: 'embedded' });
      const { rows } = await sql.query(
        'SELECT count(*)::int AS n FROM price p JOIN resource r USING (resource_id) WHERE r.system_id = $1',
        [systemId],
      );
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await sql.end();
      await db.close();
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(await listening(pgPort)).toBe(false);
    console.info(
      `embedded start-up (spawn to start-up line): first run ${seconds['first']} s, second run ${seconds['second']} s`,
    );
  }, 120_000);

  it('what a killed run left is stopped by the next start, and by `tess stop-local`', async () => {
    const killed = async () => {
      const run = start(cwd);
      const line = await run.started;
      const ports = [port(line.local, 'embedded PostgreSQL'), port(line.local, 'local Redis')];
      run.child.kill('SIGKILL');
      await run.exited;
      for (const p of ports) expect(await listening(p)).toBe(true);
      return { run, ports };
    };

    const first = await killed();
    const next = start(cwd);
    await next.started;
    expect(next.output()).toMatch(/stopped the PostgreSQL \(pid \d+\) a previous run left in \.\/\.tess/);
    expect(next.output()).toMatch(/stopped the Redis \(pid \d+\) a previous run left in \.\/\.tess/);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    for (const p of first.ports) expect(await listening(p)).toBe(false);

    const second = await killed();
    const r = await tess(['stop-local'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^stopped the PostgreSQL \(pid \d+\) a previous run left in \.\/\.tess\n/);
    expect(r.stdout).toMatch(/\nstopped the Redis \(pid \d+\) a previous run left in \.\/\.tess\n$/);
    for (const p of second.ports) expect(await listening(p)).toBe(false);
    const again = await tess(['stop-local'], { cwd });
    expect(again.stdout).toBe('nothing left running in ./.tess\n');
  }, 120_000);
});

describe('what starts nothing', () => {
  it('TIMESCALEDB=on refuses the embedded PostgreSQL, which is plain PostgreSQL', async () => {
    const cwd = await folder();
    const r = await tess(['start'], { cwd, env: { ...NOTHING_AT_DEFAULTS, TIMESCALEDB: 'on' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'tess: TIMESCALEDB=on, but nothing answers at postgres://postgres@127.0.0.1:1/tess and the PostgreSQL ' +
        'TESS would start itself is plain PostgreSQL; start TimescaleDB (`docker compose up -d postgres`) and ' +
        'set DATABASE_URL, or TIMESCALEDB=auto\n',
    );
    expect(await exists(join(cwd, '.tess'))).toBe(false);
  });

  it('without a redis-server on the PATH: one line naming the three ways to get one', async () => {
    const cwd = await folder();
    const r = await tess(['start'], { cwd, env: { ...NOTHING_AT_DEFAULTS, PATH: '/nonexistent' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'tess: nothing answers at redis://127.0.0.1:1 and there is no redis-server on the PATH to start; get one ' +
        'with `apt-get install redis-server`, `brew install redis` or `docker compose up -d redis`, or set REDIS_URL\n',
    );
    expect(await exists(join(cwd, '.tess'))).toBe(false);
  });

  it.each([
    [
      'set URLs',
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/tess', REDIS_URL: 'redis://127.0.0.1:1' },
      [],
    ],
    ['--no-embedded', {}, ['--no-embedded']],
  ])('%s: an unreachable server is the error it always was', async (_what, env, flags) => {
    const cwd = await folder();
    const r = await tess(['start', ...flags], { cwd, env: { ...NOTHING_AT_DEFAULTS, ...env } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'tess: cannot reach Redis at redis://127.0.0.1:1 (ECONNREFUSED); start it with `docker compose up -d postgres redis`\n',
    );
    expect(await exists(join(cwd, '.tess'))).toBe(false);
  });

  it('stop-local where there is no ./.tess', async () => {
    const r = await tess(['stop-local'], { cwd: await folder() });
    expect([r.code, r.stdout]).toEqual([0, 'nothing to stop: there is no ./.tess here\n']);
  });
});
