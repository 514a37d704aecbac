import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type HTTPMethods, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import { ErrorCode, TessError } from './error-codes.js';
import type { Database } from '../storage/index.js';
import { authHook } from './auth.js';
import type { ApiContext, RateLimit } from './context.js';
import { DeviceTallies } from './device-tallies.js';
import { Directory } from './directory.js';
import { installErrorHandling, installNotFound } from './errors.js';
import type { GroupCommitOptions } from './group-commit.js';
import { installRequestMetrics, registerHealth } from './health.js';
import { installRequestTimeout } from './timeouts.js';
import { registerDatasets } from './datasets/routes.js';
import { registerGateway } from './gateway/routes.js';
import { registerMarkets } from './markets.js';
import { meterSpecials } from './meters.js';
import { registerOrderRoutes } from './order-changes.js';
import { orderIntake, orderSpecials } from './orders.js';
import { BASE } from './paths.js';
import { type HandledMessage, PriceCache } from './price-cache.js';
import { AuthFailures } from './auth-failures.js';
import { priceSpecials, registerCurrentPrice } from './prices.js';
import { rateLimitOptions, type RouteRateLimits } from './rate-limits.js';
import { registerTables } from './resources.js';
import { ErrorSchema } from './schemas.js';
import { SmsQueue } from '../workers/sms/sms-queue.js';
import { tokenSpecials } from './token-routes.js';
import { transactionSpecials } from './transactions.js';
/** The settings the server reads (the command line's Settings hold them, among others). */
export interface ServerSettings {
  readonly logLevel: string;
  /** Proxies trusted for the client address: all (true), none, a number of hops, or addresses. */
  readonly trustProxy: boolean | number | readonly string[];
  readonly requestTimeoutMs: number;
  readonly queuePrefix: string;
  /** Requests a minute per token, over all routes. */
  readonly tokenRateLimit: number;
  /** Requests a minute per client address without a token. */
  readonly addressRateLimit: number;
  /** When not empty, /metrics needs it as a bearer token. */
  readonly metricsToken: string;
  /** The credit tokens' HMAC key (cli/settings.ts). */
  readonly creditTokenKey: string;
  /** SMS interfaces' secrets by environment-variable name (cli/settings.ts). */
  readonly smsSecrets: Readonly<Record<string, string>>;
  /** The API's address as SMS providers reach it; '' for each request's own. */
  readonly publicUrl: string;
}

export interface ServerDeps {
  readonly settings: ServerSettings;
  /** Owned by the caller (opened before, closed after the server). */
  readonly db: Database;
  /** Owned by the caller: health checks and publishing cache invalidations. */
  readonly redis: Redis;
  /**
   * Owned by the caller, used for nothing else: when given, the server subscribes to the
   * runtime's prices and to cache invalidations with it.
   */
  readonly subscriber?: Redis;
  /** The clock. @defaultValue () => new Date() */
  readonly now?: () => Date;
  /** Rate limit of public price reads per client address. @defaultValue 1200 per minute */
  readonly priceRateLimit?: RateLimit;
  /**
   * Hears of each price message from Redis once the price cache has handled it (taken, or
   * ignored and why), in the order they came: for tests, and for metrics. @defaultValue none
   */
  readonly onPriceMessage?: (handled: HandledMessage) => void;
  /** Group commit of order intake. */
  readonly orderBatch?: GroupCommitOptions;
  /** Failed authentications per client address before 429. @defaultValue 100 per minute */
  readonly authFailureLimit?: RateLimit;
  /**
   * Limit of every other route, per token and per address without one.
   * @defaultValue settings.tokenRateLimit and settings.addressRateLimit per minute
   */
  readonly routeRateLimit?: RouteRateLimits;
  /** Failed credit-token redemptions per user and per address before 429. @defaultValue 5 per 10 minutes */
  readonly tokenFailureLimit?: RateLimit;
}

/** Largest request body accepted. */
export const BODY_LIMIT = 256 * 1024;
const METHODS: HTTPMethods[] = ['DELETE', 'GET', 'PATCH', 'POST', 'PUT'];

/** TRUST_PROXY as Fastify takes it: a number of hops is a function of the hop. */
function trustProxyOption(
  trust: ServerSettings['trustProxy'],
): boolean | string[] | ((a: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}

/** The TESS HTTP API (routes under /api/v1, /health, /metrics, /docs). */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { settings, db, redis, subscriber } = deps;
  const now = deps.now ?? (() => new Date());
  const app = Fastify({
    logger: { level: settings.logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxyOption(settings.trustProxy),
    // Node's own limits for receiving a request and for an idle connection; answering
    // within REQUEST_TIMEOUT_MS is installRequestTimeout's.
    requestTimeout: settings.requestTimeoutMs,
    connectionTimeout: 2 * settings.requestTimeoutMs,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app);
  installRequestTimeout(app, settings.requestTimeoutMs);
  // Bodies are JSON only: anything else is 415.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', null);
  app.decorateRequest('access', null);

  const directory = new Directory(db, redis, subscriber);
  const prices = new PriceCache(db, directory, now, settings.queuePrefix, deps.onPriceMessage);
  const orders = orderIntake(db, { log: app.log, ...deps.orderBatch });
  app.addHook('onClose', async () => {
    await orders.close();
    prices.stop();
    directory.stop();
  });
  try {
    await directory.start();
    await prices.start(subscriber);
  } catch (err) {
    await app.close();
    throw err;
  }
  const storage = await db.storageMode();
  const ctx: ApiContext = {
    db,
    redis,
    now,
    directory,
    prices,
    orders,
    deviceTallies: new DeviceTallies(db),
    storage,
    priceRateLimit: deps.priceRateLimit ?? { max: 1200, timeWindowMs: 60_000 },
  };

  await app.register(swagger, {
    openapi: {
      info: { title: 'TESS HTTP API', version: '1' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'tess_<unique_id>_<secret>' },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(
    rateLimit,
    rateLimitOptions(
      deps.routeRateLimit ?? {
        token: { max: settings.tokenRateLimit, timeWindowMs: 60_000 },
        address: { max: settings.addressRateLimit, timeWindowMs: 60_000 },
      },
    ),
  );
  installNotFound(app, app.rateLimit());
  app.addSchema(ErrorSchema);
  app.addHook('preParsing', authHook(directory, new AuthFailures(deps.authFailureLimit)));
  installRequestMetrics(app);

  // Every method of every API path answers: those not served get 405.
  const served = new Map<string, { url: string; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(BASE)) return;
    const shape = route.url.replace(/:[^/]+/g, ':');
    const entry = served.get(shape) ?? { url: route.url, methods: new Set<string>() };
    for (const m of [route.method].flat()) entry.methods.add(m);
    served.set(shape, entry);
  });

  registerHealth(app, db, redis, storage, { metricsToken: settings.metricsToken });
  registerCurrentPrice(app, ctx);
  registerTables(app, ctx, {
    order: orderSpecials(ctx),
    meter: meterSpecials(ctx),
    token: tokenSpecials(ctx),
    price: priceSpecials(ctx),
    transaction: transactionSpecials(ctx),
  });
  registerOrderRoutes(app, ctx);
  registerMarkets(app, ctx);
  const smsQueue = SmsQueue.open(redis, settings.queuePrefix, await db.identity());
  app.addHook('onClose', () => smsQueue.close());
  registerGateway(app, ctx, {
    creditTokenKey: settings.creditTokenKey,
    sms: { queue: smsQueue, secrets: settings.smsSecrets, publicUrl: settings.publicUrl },
    ...(deps.tokenFailureLimit ? { tokenFailureLimit: deps.tokenFailureLimit } : {}),
  });
  await registerDatasets(app, ctx);

  for (const { url, methods } of [...served.values()]) {
    const missing = METHODS.filter((m) => !methods.has(m));
    if (missing.length === 0) continue;
    const allow = [...methods].filter((m) => m !== 'HEAD').join(', ');
    app.route({
      method: missing,
      url,
      schema: { hide: true },
      handler: async (request, reply) => {
        reply.header('allow', allow);
        throw new TessError(
          ErrorCode.METHOD_NOT_ALLOWED,
          `${request.method} is not allowed here; use ${allow}`,
        );
      },
    });
  }
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
