import { Type } from '@sinclair/typebox';
import type { FastifyBaseLogger } from 'fastify';
import { type Database, redeemToken } from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { ErrorCode, isTessError } from '../error-codes.js';
import { fail } from '../errors.js';
import type { TypedApp } from '../route-types.js';
import { circuitByPin, parsePin } from './circuits.js';
import { GATEWAY_BASE } from './paths.js';
import type { Throttled, TokenFailures } from './token-failures.js';

/** Answers that count as a failed attempt: a malformed, unknown or used token, or an unknown circuit. */
const FAILURES: ReadonlySet<string> = new Set([ErrorCode.INVALID, ErrorCode.NOT_FOUND, ErrorCode.EXISTS]);

const Credited = Type.Object({
  pin: Type.String(),
  value: Type.Number(),
  balance: Type.Number({ description: "the account's balance after the top-up" }),
});

/** Raises the TokenFailures alert of a window; a second process raising it too is fine. */
async function raiseAlert(
  db: Database,
  systemId: number,
  t: Throttled,
  log: FastifyBaseLogger,
): Promise<void> {
  const start = new Date(t.windowStart).toISOString();
  try {
    await db.alert.add({
      unique_id: `TokenFailures:${t.who}:${start}`,
      system_id: systemId,
      type: 'TokenFailures',
      began: new Date(t.windowStart),
      status: 'open',
      message: `${t.who.replace(':', ' ')}: ${t.failures} failed credit-token redemptions since ${start}; further attempts refused until the window ends`,
    });
  } catch (err) {
    if (!(isTessError(err) && err.code === ErrorCode.EXISTS))
      log.error({ err }, 'TokenFailures alert not raised');
  }
}

/**
 * Redeems a credit token for a circuit: the circuit's owner, an operator or an
 * administrator, or a vendor of the system. Failures count against the user and the
 * client address (token-failures.ts); past the limit, attempts are refused (429) until
 * the window ends.
 */
export function registerCredit(
  app: TypedApp,
  ctx: ApiContext,
  creditTokenKey: string,
  failures: TokenFailures,
): void {
  app.route({
    method: 'POST',
    url: `${GATEWAY_BASE}/circuits/:pin/credit`,
    config: { access: { resource: 'credit', op: 'write' } },
    schema: {
      tags: ['gateway'],
      summary: 'redeem a credit token for a circuit',
      params: Type.Object({ pin: Type.String({ maxLength: 16 }) }, { additionalProperties: false }),
      body: Type.Object({ token: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
      response: { 200: Credited, '4xx': Type.Ref('Error') },
    },
    handler: async (request, reply) => {
      const principal = request.principal!;
      const keys = [`user:${principal.userId}`, `address:${request.ip}`];
      const now = ctx.now().getTime();
      const throttled = failures.check(keys, now);
      if (throttled) {
        if (throttled.first) await raiseAlert(ctx.db, principal.systemId, throttled, request.log);
        const seconds = Math.ceil(throttled.retryAfterMs / 1000);
        reply.header('retry-after', String(seconds));
        throw fail(ErrorCode.RATE_LIMITED, `too many failed token redemptions; retry in ${seconds} s`);
      }
      try {
        const pin = parsePin(request.params.pin);
        await circuitByPin(ctx.db, request, pin);
        const redeemed = await redeemToken(
          ctx.db,
          principal.systemId,
          pin,
          request.body.token,
          creditTokenKey,
        );
        return { pin, value: redeemed.value, balance: redeemed.balance };
      } catch (err) {
        if (isTessError(err) && FAILURES.has(err.code)) failures.fail(keys, now);
        throw err;
      }
    },
  });
}
