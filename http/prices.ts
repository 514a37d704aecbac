import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseTime } from '../engine/time.js';
import { ErrorCode } from './error-codes.js';
import type { ApiContext } from './context.js';
import { fail } from './errors.js';
import { BASE } from './paths.js';
import { PriceView, type ServedPrice } from './price-cache.js';
import { parseAsof } from './query.js';
import type { TypedApp } from './route-types.js';
import type { TableSpecials } from './table-specials.js';

/** Most prices one history read returns without bucketing. */
export const HISTORY_LIMIT = 10_000;
/** Most buckets one history read returns. */
export const BUCKET_LIMIT = 100_000;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses a bucket width such as 5m, 1h or 1d into seconds (1 s to 366 d). */
export function parseBucket(text: string): number {
  const m = /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(text);
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : Number.NaN;
  if (!(seconds >= 1 && seconds <= 366 * 86_400)) {
    throw fail(
      ErrorCode.INVALID,
      `bucket must be a whole number and a unit s, m, h or d (e.g. 5m, 1h, 1d), at most 366d; not ${JSON.stringify(text)}`,
    );
  }
  return seconds;
}

export const CurrentQuery = Type.Object(
  {
    resource: Type.String({ minLength: 1, maxLength: 200, description: 'resource name, e.g. capacity' }),
    system: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'system name' })),
    asof: Type.Optional(Type.String({ description: 'ISO-8601 time: the price in effect then' })),
  },
  { additionalProperties: false },
);

const etagMatches = (header: string | undefined, etag: string): boolean => {
  if (header === undefined) return false;
  if (header === etag || header === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
};

/**
 * Route config of public price reads: their own limit per client address, token or not
 * (in place of the per-token limit of other routes: devices read prices anonymously).
 */
export const priceReadConfig = (ctx: ApiContext) => ({
  rateLimit: {
    max: ctx.priceRateLimit.max,
    timeWindow: ctx.priceRateLimit.timeWindowMs,
    keyGenerator: (request: FastifyRequest) => request.ip,
  },
});

/** GET /prices/current: the latest cleared interval, from memory, cacheable until the next boundary. */
export function registerCurrentPrice(app: TypedApp, ctx: ApiContext): void {
  const defaultSystem = ctx.db.systemName;
  const send = (request: FastifyRequest, reply: FastifyReply, served: ServedPrice, maxAge: number) => {
    reply.header('cache-control', `max-age=${maxAge}`).header('etag', served.etag);
    if (etagMatches(request.headers['if-none-match'], served.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(served.body);
  };
  app.route({
    method: 'GET',
    url: `${BASE}/prices/current`,
    config: { access: { resource: 'price', op: 'read' }, ...priceReadConfig(ctx) },
    schema: {
      tags: ['prices'],
      summary: 'the price of the latest cleared interval (no token needed)',
      querystring: CurrentQuery,
      response: { 200: PriceView, '4xx': Type.Ref('Error') },
    },
    handler: async (request, reply) => {
      const query = request.query;
      const system = query.system ?? defaultSystem;
      if (query.asof !== undefined) {
        const asof = parseAsof(query.asof, ctx.now())!;
        const served = await ctx.prices.asof(system, query.resource, asof);
        if (!served)
          throw fail(ErrorCode.NOT_FOUND, `no price of ${query.resource} in ${system} as of ${query.asof}`);
        return send(request, reply, served, 0);
      }
      const now = ctx.now().getTime();
      const served =
        ctx.prices.peek(system, query.resource, now) ?? (await ctx.prices.current(system, query.resource));
      if (!served) throw fail(ErrorCode.NOT_FOUND, `no price of ${query.resource} in ${system} yet`);
      return send(request, reply, served, Math.max(0, Math.ceil((served.checkAfter - now) / 1000)));
    },
  });
}

/** GET /prices?resource=&from=&to=[&bucket=]: price history, raw or in OHLC buckets. */
export function priceSpecials(ctx: ApiContext): TableSpecials {
  return {
    readConfig: priceReadConfig(ctx),
    query: {
      params: {
        resource: Type.String({
          minLength: 1,
          maxLength: 200,
          description: 'history of this resource (by name)',
        }),
        system: Type.String({ minLength: 1, maxLength: 200, description: 'system name (history)' }),
        from: Type.String({ description: 'ISO-8601: first interval start (history)' }),
        to: Type.String({ description: 'ISO-8601: end of the range, exclusive (history)' }),
        bucket: Type.String({
          description: 'bucket width, e.g. 5m, 1h, 1d: open/high/low/close, vwap, volume',
        }),
      },
      handler: async (request) => {
        const q = request.query;
        if (q['resource'] === undefined) {
          for (const name of ['system', 'from', 'to', 'bucket']) {
            if (q[name] !== undefined)
              throw fail(ErrorCode.INVALID, `query.resource is required with ${name}`);
          }
          return undefined;
        }
        if (q['from'] === undefined) throw fail(ErrorCode.INVALID, 'query.from is required with resource');
        if (q['to'] === undefined) throw fail(ErrorCode.INVALID, 'query.to is required with resource');
        const from = parseTime(q['from'], 'from');
        const to = parseTime(q['to'], 'to');
        if (!(from < to)) throw fail(ErrorCode.INVALID, 'from must be earlier than to');
        const bucket = q['bucket'] === undefined ? null : parseBucket(q['bucket']);
        const asof = parseAsof(q['asof'], ctx.now());
        const system = q['system'] ?? ctx.db.systemName;
        const ids = await ctx.prices.resolve(system, q['resource']);
        if (!ids) throw fail(ErrorCode.NOT_FOUND, `resource ${q['resource']} not found in ${system}`);
        const range = { resourceId: ids.resourceId, from, to, asof };
        const head = {
          system,
          resource: q['resource'],
          resource_id: ids.resourceId,
          from: from.toISOString(),
          to: to.toISOString(),
        };
        if (bucket === null) {
          const rows = await ctx.db.priceHistory(range, HISTORY_LIMIT + 1);
          if (rows.length > HISTORY_LIMIT) {
            throw fail(
              ErrorCode.INVALID,
              `more than ${HISTORY_LIMIT} prices from ${head.from} to ${head.to}: give bucket= or a shorter range`,
            );
          }
          return { ...head, items: rows };
        }
        if ((to.getTime() - from.getTime()) / (bucket * 1000) > BUCKET_LIMIT) {
          throw fail(
            ErrorCode.INVALID,
            `more than ${BUCKET_LIMIT} buckets: give a wider bucket or a shorter range`,
          );
        }
        const items = await ctx.db.priceBuckets(range, bucket, ctx.storage.kind === 'timescaledb');
        return { ...head, bucket: q['bucket'], bucket_seconds: bucket, items };
      },
    },
  };
}
