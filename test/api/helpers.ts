import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { buildServer, type ServerDeps } from '../../http/server.js';
import { readSettings } from '../../cli/settings.js';
import { issueToken } from '../../storage/tokens.js';
import type { Database, DeviceRow, UserRow } from '../../storage/index.js';
import { connectRedis } from '../../workers/redis.js';
import { redisUrl } from '../helpers/server-url.js';
import { type TestHandle, useDatabase } from '../helpers/open.js';
import type { TestDatabase } from '../helpers/database.js';

export interface Api {
  app: FastifyInstance;
  db: TestHandle;
  test: TestDatabase;
  redis: Redis;
  subscriber: Redis | undefined;
  /** The system this file's handle acts in (a unique name, so price messages of other files are ignored). */
  system: string;
}

/**
 * A private database, Redis connections and a server for one test file, all closed
 * afterwards. The system name is unique to the file.
 */
export function useApi(
  options: {
    subscriber?: boolean;
    /** Settings (environment variables) beside the test's database and Redis. */
    env?: Record<string, string>;
  } & Partial<
    Pick<
      ServerDeps,
      | 'now'
      | 'priceRateLimit'
      | 'orderBatch'
      | 'authFailureLimit'
      | 'routeRateLimit'
      | 'onPriceMessage'
      | 'tokenFailureLimit'
    >
  > = {},
): Api {
  const system = `api_${randomBytes(4).toString('hex')}`;
  const t = useDatabase({ system });
  const ref = { system } as Api;
  beforeAll(async () => {
    ref.db = t.db;
    ref.test = t.test;
    ref.redis = await connectRedis(redisUrl());
    if (options.subscriber) ref.subscriber = await connectRedis(redisUrl());
    await t.db.systemId();
    ref.app = await buildServer({
      settings: readSettings({
        DATABASE_URL: t.test.url,
        REDIS_URL: redisUrl(),
        LOG_LEVEL: 'silent',
        ...options.env,
      }),
      db: t.db,
      redis: ref.redis,
      ...(ref.subscriber ? { subscriber: ref.subscriber } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.priceRateLimit ? { priceRateLimit: options.priceRateLimit } : {}),
      ...(options.orderBatch ? { orderBatch: options.orderBatch } : {}),
      ...(options.authFailureLimit ? { authFailureLimit: options.authFailureLimit } : {}),
      ...(options.routeRateLimit ? { routeRateLimit: options.routeRateLimit } : {}),
      ...(options.onPriceMessage ? { onPriceMessage: options.onPriceMessage } : {}),
      ...(options.tokenFailureLimit ? { tokenFailureLimit: options.tokenFailureLimit } : {}),
    });
    await ref.app.ready();
  });
  afterAll(async () => {
    await ref.app?.close();
    ref.subscriber?.disconnect();
    ref.redis?.disconnect();
  });
  return ref;
}

export interface People {
  admin: UserRow;
  operator: UserRow;
  accounting: UserRow;
  customer: UserRow;
  other: UserRow;
  /** Devices of `customer` and of `other`. */
  device: DeviceRow;
  otherDevice: DeviceRow;
  tokens: {
    admin: string;
    operator: string;
    accounting: string;
    customer: string;
    other: string;
    device: string;
    otherDevice: string;
  };
}

/** One user of each role, two customers with a device each, and a token for every one of them. */
export async function seedPeople(db: Database): Promise<People> {
  const system_id = await db.systemId();
  const tag = randomBytes(3).toString('hex');
  const user = (name: string, role: UserRow['role']) =>
    db.user.add({ system_id, name, role, email: `${name}-${tag}@example.org` });
  const admin = await user('admin', 'ADMINISTRATOR');
  const operator = await user('operator', 'OPERATOR');
  const accounting = await user('accounting', 'ACCOUNTING');
  const customer = await user('customer', 'CUSTOMER');
  const other = await user('other', 'CUSTOMER');
  const device = await db.device.add({ user_id: customer.user_id, name: 'heater' });
  const otherDevice = await db.device.add({ user_id: other.user_id, name: 'battery' });
  const tok = async (t: { userId?: number; deviceId?: number }) => (await issueToken(db, t)).token;
  return {
    admin,
    operator,
    accounting,
    customer,
    other,
    device,
    otherDevice,
    tokens: {
      admin: await tok({ userId: admin.user_id }),
      operator: await tok({ userId: operator.user_id }),
      accounting: await tok({ userId: accounting.user_id }),
      customer: await tok({ userId: customer.user_id }),
      other: await tok({ userId: other.user_id }),
      device: await tok({ deviceId: device.device_id }),
      otherDevice: await tok({ deviceId: otherDevice.device_id }),
    },
  };
}

/**
 * Waits until the database's clock, which stamps `created`, is past `time`: a row written
 * after it is later than `time` (as-of reads at `time` see what was there before).
 */
export async function databaseClockPast(db: TestHandle, time: Date): Promise<void> {
  const past = async (): Promise<boolean> =>
    (await db.sql.query('SELECT clock_timestamp() > $1 AS past', [time])).rows[0].past;
  while (!(await past()));
}

/** An inject with an optional bearer token and JSON body; the answer's JSON parsed. */
export async function call(
  app: FastifyInstance,
  method: InjectOptions['method'],
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  // biome-ignore lint/suspicious/noExplicitAny: test answers are inspected field by field
): Promise<LightMyRequestResponse & { data: any }> {
  const res = await app.inject({
    method,
    url,
    headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body as InjectOptions['payload'] }),
  });
  let data: unknown;
  try {
    data = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    data = undefined;
  }
  return Object.assign(res, { data });
}
