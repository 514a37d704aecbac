import type { FastifyRequest } from 'fastify';
import type { Database } from '../../storage/index.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { isOwnAccess } from '../rights.js';

type Values = Record<string, unknown>;

/**
 * Whether a gateway row is the caller's: an account through its user, a circuit through
 * its device's owner now. Callers without "own" access own everything they may reach.
 */
export async function ownsGatewayRow(
  db: Database,
  request: FastifyRequest,
  table: 'account' | 'circuit',
  entry: object,
): Promise<boolean> {
  const row = entry as Values;
  const principal = request.principal;
  if (!principal || !isOwnAccess(request.access)) return true;
  if (principal.actor === 'DEVICE') return false;
  if (table === 'account') {
    const user = row['user_id'];
    return typeof user === 'number' && (await db.entryId('user', user)) === principal.userId;
  }
  const device = row['device_id'];
  return typeof device === 'number' && (await db.current('device', device))?.user_id === principal.userId;
}

/**
 * Refuses someone else's row as not found: a PIN is short and an account names a user,
 * so a 403 would confirm that the other's exists.
 */
export async function assertOwnsGatewayRow(
  db: Database,
  request: FastifyRequest,
  table: 'account' | 'circuit',
  row: object,
  label: string,
): Promise<void> {
  if (!(await ownsGatewayRow(db, request, table, row))) throw fail(ErrorCode.NOT_FOUND, `${label} not found`);
}
