import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from '../../http/server.js';
import { readSettings } from '../../cli/settings.js';
import { issueToken } from '../../storage/tokens.js';
import { ErrorCode } from '../../engine/errors.js';
import { quoteIdent } from '../../storage/connection.js';
import { loadMigrations, migrate } from '../../storage/migrations.js';
import { prepareDatabase } from '../../storage/prepare.js';
import { readStorageMode } from '../../storage/storage-mode.js';
import { connectRedis } from '../../workers/redis.js';
import type { Runtime } from '../../workers/runtime.js';
import { call } from '../api/helpers.js';
import { createMarket, placeOrders, waitFor } from '../helpers/market.js';
import { openTestHandle, type TestHandle, useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { redisUrl, serverUrl } from '../helpers/server-url.js';

/**
 * Running as the application role (migration 10): a login that is a member of tess_app,
 * as README "Database and migrations" tells operators to make. The database is the
 * run's migrated template, cloned: migrated by its owner, as `npm start` does.
 */
const owner = useDatabase();
const redis = redisPrefix();
const login = `${inject('runPrefix')}web_${randomBytes(3).toString('hex')}`;
let appUrl: string;
let app: TestHandle | undefined;
let runtime: Runtime | undefined;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl('postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Runs statements in one session as the application's login; resolves to the error, if any. */
async function asApp(sql: string): Promise<{ code?: string; message: string } | undefined> {
  const c = new pg.Client({ connectionString: appUrl });
  await c.connect();
  try {
    await c.query(sql);
    return undefined;
  } catch (err) {
    return err as { code: string; message: string };
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await admin(`CREATE ROLE ${quoteIdent(login)} LOGIN IN ROLE tess_app`);
  const u = new URL(owner.test.url);
  u.username = login;
  appUrl = u.toString();
});
afterAll(async () => {
  await runtime?.stop();
  await app?.close();
  await redis.clean();
  await admin(`DROP ROLE IF EXISTS ${quoteIdent(login)}`);
});

describe('the application role', () => {
  it('holds SELECT and INSERT on every table (SELECT on views), USAGE on sequences, and nothing more', async () => {
    const { rows } = await owner.db.sql.query(
      `SELECT c.relname, c.relkind,
              has_table_privilege('tess_app', c.oid, 'SELECT') AS s,
              has_table_privilege('tess_app', c.oid, 'INSERT') AS i,
              has_table_privilege('tess_app', c.oid, 'UPDATE') OR has_table_privilege('tess_app', c.oid, 'DELETE')
                OR has_table_privilege('tess_app', c.oid, 'TRUNCATE') OR has_table_privilege('tess_app', c.oid, 'REFERENCES')
                OR has_table_privilege('tess_app', c.oid, 'TRIGGER') AS more
         FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
        ORDER BY 1`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const r of rows) {
      // Every table a migration adds is one the application may need: granted like the rest.
      const wanted =
        r.relname === 'schema_migrations' || r.relkind === 'v' || r.relkind === 'm'
          ? { s: true, i: false, more: false }
          : { s: true, i: true, more: false };
      expect({ s: r.s, i: r.i, more: r.more }, r.relname).toEqual(wanted);
    }
    const seq = await owner.db.sql.query(
      `SELECT relname, has_sequence_privilege('tess_app', oid, 'USAGE') AS u,
              has_sequence_privilege('tess_app', oid, 'UPDATE') AS w
         FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'S'`,
    );
    expect(seq.rows.length).toBe(13);
    for (const r of seq.rows) expect({ u: r.u, w: r.w }, r.relname).toEqual({ u: true, w: false });
    // Owns nothing, and may not become the owner.
    expect(await asApp('SET ROLE postgres')).toMatchObject({ code: '42501' });
  });

  it("`npm start`'s preparation as the application: a current schema passes, changes are refused in one line", async () => {
    const latest = (await loadMigrations()).at(-1)!.version;
    expect(await prepareDatabase(appUrl)).toMatchObject({ version: latest, created: false, notices: [] });
    const down = await migrate(appUrl, { kind: 'down', steps: 1 }).catch((e) => e);
    expect(down).toMatchObject({ code: ErrorCode.MIGRATION });
    expect(down.message).toBe(
      `role "${login}" may not undo migrations of database "${owner.test.name}" (it does not own the schema); ` +
        'run `tess migrate` with a DATABASE_URL naming the role that owns it',
    );
    expect(await migrate(owner.test.url, { kind: 'version' })).toMatchObject({
      version: latest,
      dirty: false,
    });
    if ((await readStorageMode(owner.db.sql)).kind === 'timescaledb') {
      const age = await prepareDatabase(appUrl, { compressAfterDays: 3 }).catch((e) => e);
      expect(age.message).toMatch(
        /^COMPRESS_AFTER_DAYS=3 differs from the compression policy of database "[^"]+", and role "[^"]+" may not change it/,
      );
    }
  });

  it('as the application the market clears and the API answers', async () => {
    app = await openTestHandle(appUrl, { system: 'approle' });
    const seconds = 1;
    const market = await createMarket(app, 'approle', seconds, 2);
    const start = await placeOrders(
      app,
      market,
      seconds,
      [
        { device: 0, side: 'buy', quantity: 5, price: 40 },
        { device: 1, side: 'sell', quantity: 5, price: 20 },
      ],
      Date.now() + 1_000,
    );
    runtime = await startTestRuntime(app, redis.prefix);
    const price = await waitFor('a cleared price with its fills settled', async () => {
      const { rows } = await app!.sql.query(
        `SELECT p.*, (SELECT count(*)::int FROM transaction t WHERE t.price_id = p.price_id) AS fills
           FROM price p WHERE resource_id = $1 AND interval_start = $2`,
        [market.resourceId, start],
      );
      return rows[0]?.fills === 2 && rows[0];
    });
    expect(price).toMatchObject({ type: 'PRICE', quantity: 5 });

    const redisConnection = await connectRedis(redisUrl());
    const server = await buildServer({
      settings: readSettings({ DATABASE_URL: appUrl, REDIS_URL: redisUrl(), LOG_LEVEL: 'silent' }),
      db: app,
      redis: redisConnection,
    });
    try {
      await server.ready();
      const current = await call(server, 'GET', '/api/v1/prices/current?resource=capacity&system=approle');
      expect(current.statusCode).toBe(200);
      const from = new Date(start.getTime() - 3_600_000).toISOString();
      const to = new Date(start.getTime() + 3_600_000).toISOString();
      // Bucketed history reads the continuous aggregates on TimescaleDB.
      const history = await call(
        server,
        'GET',
        `/api/v1/prices?resource=capacity&system=approle&from=${from}&to=${to}&bucket=1h`,
      );
      expect(history.statusCode).toBe(200);
      const device = (await issueToken(app, { deviceId: market.devices[0]! })).token;
      const placed = await call(server, 'POST', '/api/v1/orders', {
        token: device,
        body: { resource: 'capacity', side: 'buy', quantity: 1, price: 10 },
      });
      expect(placed.statusCode).toBe(202);
      const listed = await call(server, 'GET', `/api/v1/orders?device_id=${market.devices[0]}`, {
        token: device,
      });
      expect(listed.statusCode).toBe(200);
    } finally {
      await server.close();
      redisConnection.disconnect();
    }
  });

  it('as the application every way of changing history is refused, and nothing changed', async () => {
    const before = await owner.db.sql.query(
      `SELECT (SELECT count(*)::int FROM transaction) AS t, (SELECT count(*)::int FROM log) AS l,
              (SELECT sum(amount)::text FROM transaction) AS money`,
    );
    expect(before.rows[0].t).toBeGreaterThan(0);
    const refused: [string, RegExp][] = [
      ['UPDATE transaction SET amount = 0', /^permission denied for table transaction$/],
      ['DELETE FROM log', /^permission denied for table log$/],
      ['TRUNCATE "order"', /^permission denied for table order$/],
      ['ALTER TABLE transaction DISABLE TRIGGER ALL', /^must be owner of table transaction$/],
      ['ALTER TABLE log DISABLE TRIGGER log_final_rows', /^must be owner of table log$/],
      ['DROP TABLE price', /^must be owner of table price$/],
      // The escape hatch of migration 3, opened by a log row this very transaction wrote.
      [
        `BEGIN;
         WITH l AS (INSERT INTO log (event, table_name, message) VALUES ('UPDATE', 'transaction', 'cover') RETURNING log_id)
         SELECT set_config('tess.nonconformant', log_id::text, true) FROM l;
         UPDATE transaction SET amount = 0;
         COMMIT;`,
        /^permission denied for table transaction$/,
      ],
      [
        `BEGIN;
         WITH l AS (INSERT INTO log (event, table_name, message) VALUES ('DELETE', 'log', 'cover') RETURNING log_id)
         SELECT set_config('tess.nonconformant', log_id::text, true) FROM l;
         DELETE FROM log;
         COMMIT;`,
        /^permission denied for table log$/,
      ],
    ];
    for (const [sql, message] of refused) {
      const err = await asApp(sql);
      expect(err, sql).toMatchObject({ code: '42501', message: expect.stringMatching(message) });
    }
    const after = await owner.db.sql.query(
      `SELECT (SELECT count(*)::int FROM transaction) AS t, (SELECT count(*)::int FROM log) AS l,
              (SELECT sum(amount)::text FROM transaction) AS money`,
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
  });
});
