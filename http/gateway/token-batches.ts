import { Type } from '@sinclair/typebox';
import { checkBatch, tokenBatchCsv } from '../../engine/gateway/index.js';
import { issueTokenBatch } from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import type { TypedApp } from '../route-types.js';
import { Time } from '../schemas.js';
import { GATEWAY_BASE } from './paths.js';

const TokenBatchBody = Type.Object(
  {
    tokens: Type.Array(
      Type.Object(
        {
          denomination: Type.Number({ description: 'value of each token, in currency units' }),
          count: Type.Integer(),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

const IssuedBatch = Type.Object({
  batch_id: Type.Integer(),
  unique_id: Type.String(),
  created: Time,
  tokens: Type.Array(Type.Object({ number: Type.String(), value: Type.Number() })),
});

/** Whether the caller asked for CSV rather than JSON (an Accept naming text/csv). */
const wantsCsv = (accept: string | undefined): boolean => /(^|,)\s*text\/csv\b/i.test(accept ?? '');

/**
 * Issues a batch of scratch-card tokens. The numbers are in this one answer and nowhere
 * else (only their keyed hashes are stored): as JSON, or as CSV (`number,value`) for the
 * printer when the request accepts text/csv.
 */
export function registerTokenBatches(app: TypedApp, ctx: ApiContext, creditTokenKey: string): void {
  app.route({
    method: 'POST',
    url: `${GATEWAY_BASE}/token-batches`,
    config: { access: { resource: 'token_batch', op: 'write' } },
    schema: {
      tags: ['gateway'],
      summary: 'issue a batch of credit tokens (numbers shown once; Accept: text/csv for CSV)',
      body: TokenBatchBody,
      response: { 201: IssuedBatch, '4xx': Type.Ref('Error') },
    },
    handler: async (request, reply) => {
      const items = request.body.tokens;
      checkBatch(items);
      const issued = await issueTokenBatch(ctx.db, request.principal!.systemId, items, creditTokenKey);
      reply.code(201).header('cache-control', 'no-store');
      if (wantsCsv(request.headers.accept)) {
        return reply.type('text/csv; charset=utf-8').send(tokenBatchCsv(issued.tokens));
      }
      return reply.send({
        batch_id: issued.batch.token_batch_id,
        unique_id: issued.batch.unique_id,
        created: issued.batch.created,
        tokens: issued.tokens,
      });
    },
  });
}
