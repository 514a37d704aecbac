import { Type } from '@sinclair/typebox';
import { ErrorCode } from './error-codes.js';
import type { ApiContext } from './context.js';
import { fail } from './errors.js';
import { specialWrite, type TableSpecials } from './table-specials.js';
import { Id } from './schemas.js';
import { issueToken, publicToken } from '../storage/index.js';

/** Tokens are issued (the secret is generated here and shown once) and revoked; never given a hash. */
export function tokenSpecials(ctx: ApiContext): TableSpecials {
  return {
    add: specialWrite({
      body: Type.Object(
        { user_id: Type.Optional(Id), device_id: Type.Optional(Id) },
        { additionalProperties: false, minProperties: 1 },
      ),
      responses: {
        201: Type.Object({
          token_id: Type.Integer(),
          user_id: Type.Integer(),
          device_id: Type.Union([Type.Integer(), Type.Null()]),
          unique_id: Type.String(),
          is_valid: Type.Boolean(),
          created: Type.String({ format: 'date-time' }),
          token: Type.String({ description: 'the bearer token; shown only in this answer' }),
        }),
      },
      handler: async (request, reply) => {
        const body = request.body;
        if (body.user_id !== undefined && body.device_id !== undefined) {
          throw fail(ErrorCode.INVALID, 'body.user_id and body.device_id: give one, not both');
        }
        const issued = await issueToken(ctx.db, {
          userId: body.user_id ?? null,
          deviceId: body.device_id ?? null,
        });
        return reply.code(201).send({ ...publicToken(issued.row), token: issued.token });
      },
    }),
    set: specialWrite({
      body: Type.Object(
        { unique_id: Type.String({ minLength: 1, maxLength: 200 }), is_valid: Type.Boolean() },
        { additionalProperties: false },
      ),
      handler: async (request) => {
        const row = await ctx.db.token.set(request.body);
        await ctx.directory.invalidate(request.log);
        return publicToken(row);
      },
    }),
  };
}
