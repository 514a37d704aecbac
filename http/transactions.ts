import { Type } from '@sinclair/typebox';
import { ErrorCode } from './error-codes.js';
import type { ApiContext } from './context.js';
import { fail } from './errors.js';
import { parseAsof, parseCursor, parseId, parseLimit } from './query.js';
import type { TableSpecials } from './table-specials.js';
import { INT_PATTERN } from './schemas.js';

/** GET /transactions?user=ID: a user's entries with the running balance. */
export function transactionSpecials(ctx: ApiContext): TableSpecials {
  return {
    query: {
      params: {
        user: Type.String({ pattern: INT_PATTERN, description: 'a user id: entries and running balance' }),
      },
      handler: async (request) => {
        const query = request.query;
        if (query['user'] === undefined) return undefined;
        const given = parseId(query['user'], 'user');
        const userId = await ctx.db.entryId('user', given);
        if (userId === null) throw fail(ErrorCode.NOT_FOUND, `user ${given} not found`);
        if (request.access === 'own-read' && userId !== request.principal?.userId) {
          throw fail(ErrorCode.FORBIDDEN, 'these transactions are not yours');
        }
        const limit = parseLimit(query['limit']);
        const ledger = await ctx.db.userLedger(userId, {
          asof: parseAsof(query['asof'], ctx.now()),
          after: parseCursor(query['after']),
          limit,
        });
        const last = ledger.rows[ledger.rows.length - 1];
        return {
          user_id: userId,
          balance: ledger.balance,
          items: ledger.rows,
          next: ledger.rows.length === limit && last ? last.transaction_id : null,
        };
      },
    },
  };
}
