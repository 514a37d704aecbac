import { Type } from '@sinclair/typebox';
import { parseTime } from '../engine/time.js';
import { ErrorCode } from './error-codes.js';
import { ordersWithinLimits } from '../workers/book-limits.js';
import type { ApiContext } from './context.js';
import { fail } from './errors.js';
import { BASE } from './paths.js';
import { parseAsof } from './query.js';
import type { TypedApp } from './route-types.js';

export interface CurveStep {
  readonly price: number;
  /** Cumulative quantity offered (supply) or wanted (demand) at this price. */
  readonly quantity: number;
}

/**
 * A step curve: demand orders from the highest price down, supply from the lowest up,
 * one step per distinct price with the cumulative quantity at that price or better.
 */
export function curve(
  orders: readonly { price: number; quantity: number }[],
  side: 'demand' | 'supply',
): CurveStep[] {
  const sorted = [...orders].sort((a, b) => (side === 'demand' ? b.price - a.price : a.price - b.price));
  const steps: CurveStep[] = [];
  let total = 0;
  for (const o of sorted) {
    total += o.quantity;
    const last = steps[steps.length - 1];
    if (last && last.price === o.price) steps[steps.length - 1] = { price: o.price, quantity: total };
    else steps.push({ price: o.price, quantity: total });
  }
  return steps;
}

/** GET /markets/<resource>/intervals/<interval_start>: the clearing and its supply and demand curves. */
export function registerMarkets(app: TypedApp, ctx: ApiContext): void {
  app.route({
    method: 'GET',
    url: `${BASE}/markets/:resource/intervals/:interval_start`,
    config: { access: { resource: 'market', op: 'read' } },
    schema: {
      tags: ['markets'],
      summary: "an interval's clearing result with supply and demand curves from its orders at the boundary",
      params: Type.Object(
        { resource: Type.String({ minLength: 1, maxLength: 200 }), interval_start: Type.String() },
        { additionalProperties: false },
      ),
      querystring: Type.Object(
        {
          system: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          asof: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      response: { '4xx': Type.Ref('Error') },
    },
    handler: async (request) => {
      const { params, query } = request;
      const start = parseTime(params.interval_start, 'interval_start');
      const asof = parseAsof(query.asof, ctx.now());
      const systemId =
        query.system === undefined ? request.principal!.systemId : await ctx.directory.systemId(query.system);
      if (systemId === null) throw fail(ErrorCode.NOT_FOUND, `system ${query.system} not found`);
      const resourceId = await ctx.directory.resourceId(systemId, params.resource);
      if (resourceId === null) throw fail(ErrorCode.NOT_FOUND, `resource ${params.resource} not found`);
      const seconds = await ctx.directory.interval(systemId);
      const price = await ctx.db.intervalPrice(resourceId, start, asof);
      const step = (price?.interval_seconds ?? seconds) * 1000;
      if (start.getTime() % step !== 0) {
        throw fail(
          ErrorCode.INVALID,
          `interval_start must be the start of a ${step / 1000}-second interval, not ${params.interval_start}`,
        );
      }
      const boundary = new Date(start.getTime() + step);
      const cut = asof && asof < boundary ? asof : boundary;
      // The book as the clearing reads it: open orders that can clear, within the market's
      // order limits (workers/book-limits.ts), so the curves show what was cleared.
      const [open, limits] = await Promise.all([
        ctx.db.openOrders(resourceId, start, boundary, null, cut),
        ctx.directory.orderLimits(systemId, resourceId),
      ]);
      const orders = ordersWithinLimits(open, limits).map((i) => ({
        side: open.sides[i] === 0 ? 'buy' : 'sell',
        price: open.prices[i]!,
        quantity: open.quantities[i]!,
      }));
      if (!price && open.n === 0) {
        throw fail(ErrorCode.NOT_FOUND, `no market of ${params.resource} at ${start.toISOString()}`);
      }
      const buys = orders.filter((o) => o.side === 'buy');
      const sells = orders.filter((o) => o.side === 'sell');
      return {
        resource: params.resource,
        resource_id: resourceId,
        system_id: systemId,
        interval_start: start.toISOString(),
        interval_seconds: step / 1000,
        boundary: boundary.toISOString(),
        price,
        orders: { buy: buys.length, sell: sells.length },
        demand: curve(buys, 'demand'),
        supply: curve(sells, 'supply'),
      };
    },
  });
}
