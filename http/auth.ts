import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, isTessError } from './error-codes.js';
import { TABLES, type TessTableName } from '../storage/index.js';
import type { AuthFailures } from './auth-failures.js';
import type { Directory } from './directory.js';
import { fail } from './errors.js';
import {
  type Access,
  type Actor,
  accessFor,
  DEVICE_OWNED,
  type Operation,
  OWNED_OVER_TIME,
  type Resource,
  USER_OWNED,
} from './rights.js';
import { parseToken, secretMatches, TOKEN_SHAPE } from '../storage/index.js';
import type { Database } from '../storage/index.js';

/** Who a request acts for, from its bearer token. */
export interface Principal {
  readonly actor: Exclude<Actor, 'ANONYMOUS'>;
  readonly tokenId: number;
  /** Entry id of the token's user (for a device token: the device's owner). */
  readonly userId: number;
  /** The system the caller acts in (its user's, or its device's owner's). */
  readonly systemId: number;
  /** Entry id of the device of a device token, else null. */
  readonly deviceId: number | null;
}

/** What a route needs: the resource it touches and how, or that anyone may call it. */
export interface RouteAccess {
  readonly resource: Resource;
  readonly op: Operation;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The caller's access to the route's resource (set by the auth hook). */
    access: Access | null;
  }
}

/** Reads the bearer token of a request; null when there is none. Refuses a malformed or unknown one. */
export async function authenticate(request: FastifyRequest, directory: Directory): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) throw fail(ErrorCode.UNAUTHORIZED, `Authorization must be "Bearer ${TOKEN_SHAPE}"`);
  const parsed = parseToken(match[1]!);
  // The shape is public (README), so naming it helps a caller who pasted the wrong thing;
  // a well-formed token that is unknown or has a wrong secret is told nothing more.
  if (!parsed) {
    throw fail(
      ErrorCode.UNAUTHORIZED,
      `the bearer token is malformed: a token reads ${TOKEN_SHAPE}, a UUID and 43 base64url characters`,
    );
  }
  const row = await directory.principal(parsed.uniqueId);
  if (!row || !secretMatches(parsed.secret, row.secret_hash)) {
    throw fail(ErrorCode.UNAUTHORIZED, 'the bearer token is not valid');
  }
  if (!row.is_valid) throw fail(ErrorCode.UNAUTHORIZED, 'the bearer token has been revoked');
  if (row.device_id !== null) {
    if (row.device_user_id === null || row.device_system_id === null) {
      throw fail(ErrorCode.UNAUTHORIZED, 'the device of this token no longer exists');
    }
    return {
      actor: 'DEVICE',
      tokenId: row.token_id,
      userId: row.device_user_id,
      systemId: row.device_system_id,
      deviceId: row.device_id,
    };
  }
  return {
    actor: row.role,
    tokenId: row.token_id,
    userId: row.user_id,
    systemId: row.system_id,
    deviceId: null,
  };
}

/** Authenticates and checks the route's access: 401 without a usable token, 403 outside one's rights. */
export async function authorize(request: FastifyRequest, directory: Directory): Promise<void> {
  const need = request.routeOptions.config.access;
  if (!need) return;
  const principal = await authenticate(request, directory);
  request.principal = principal;
  const actor: Actor = principal?.actor ?? 'ANONYMOUS';
  const access = accessFor(actor, need.resource, need.op);
  if (access === null) {
    if (!principal) throw fail(ErrorCode.UNAUTHORIZED, 'this request needs a bearer token');
    throw fail(
      ErrorCode.FORBIDDEN,
      `${actor === 'DEVICE' ? 'a device token' : actor} may not ${need.op} ${need.resource}`,
    );
  }
  request.access = access;
}

/**
 * For callers with "own" access: refuses a row that belongs to someone else. `row` holds
 * the row's user_id or device_id (entry ids, or any row id of the entry), and, for a row
 * that exists, its id.
 *
 * A device-owned row belongs to the device's current owner, except history (orders,
 * meter readings: OWNED_OVER_TIME): a stored one belongs to whoever owned the device
 * when its entry began, so a device's new owner does not read the previous owner's
 * orders and the previous owner keeps reading them. Changing a stored one needs both:
 * it was placed under the caller's ownership and the device is still the caller's.
 */
export async function assertOwns(
  db: Database,
  request: FastifyRequest,
  table: TessTableName,
  row: Record<string, unknown>,
): Promise<void> {
  const principal = request.principal;
  if (!principal || (request.access !== 'own' && request.access !== 'own-read')) return;
  const refuse = () => fail(ErrorCode.FORBIDDEN, `this ${table} is not yours`);
  if (USER_OWNED.has(table)) {
    if (principal.actor === 'DEVICE') throw refuse();
    const user = row['user_id'];
    if (typeof user !== 'number' || !Number.isSafeInteger(user)) throw refuse();
    if (user !== principal.userId && (await db.entryId('user', user)) !== principal.userId) throw refuse();
    return;
  }
  if (DEVICE_OWNED.has(table)) {
    const device = row['device_id'];
    if (typeof device !== 'number' || !Number.isSafeInteger(device)) throw refuse();
    const rowId = row[TABLES[table].id];
    const stored = OWNED_OVER_TIME.has(table) && typeof rowId === 'number';
    const reading = request.routeOptions.config.access?.op === 'read';
    if (principal.actor === 'DEVICE') {
      if (device !== principal.deviceId && (await db.entryId('device', device)) !== principal.deviceId)
        throw refuse();
    } else if (!(stored && reading)) {
      const current = await db.current('device', device);
      if (!current || current.user_id !== principal.userId) throw refuse();
    }
    if (stored && (await ownerWhenBegun(db, table, rowId, device)) !== principal.userId) throw refuse();
    return;
  }
  throw refuse();
}

/** The owner (user entry id) of `device` when the entry of row `id` of `table` began. */
async function ownerWhenBegun(
  db: Database,
  table: TessTableName,
  id: number,
  device: number,
): Promise<number | null> {
  const began = await db.entryBegan(table, id);
  if (began === null) return null;
  return (await db.current('device', device, began))?.user_id ?? null;
}

/**
 * The authentication hook, run at preParsing: after the route's own rate limit (an
 * onRequest hook of the route, which runs after the server's onRequest hooks), so that
 * requests with bad tokens are counted by it, and before the body is read. Anonymous
 * calls of public routes pass without any promise (the price reads devices make most);
 * an address over its limit of failed authentications is refused (429) before its
 * token is looked at; everything else goes through authorize().
 */
export function authHook(directory: Directory, failures: AuthFailures) {
  return (
    request: FastifyRequest,
    reply: FastifyReply,
    _payload: unknown,
    done: (err?: Error) => void,
  ): void => {
    const need = request.routeOptions.config.access;
    if (!need) {
      done();
      return;
    }
    if (request.headers.authorization === undefined) {
      const access = accessFor('ANONYMOUS', need.resource, need.op);
      if (access !== null) {
        request.access = access;
        done();
        return;
      }
    }
    const now = Date.now();
    const wait = failures.retryAfter(request.ip, now);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      done(
        fail(ErrorCode.RATE_LIMITED, `too many failed authentications; retry in ${Math.ceil(wait / 1000)} s`),
      );
      return;
    }
    authorize(request, directory).then(
      () => done(),
      (err: unknown) => {
        if (isTessError(err) && err.code === ErrorCode.UNAUTHORIZED) failures.fail(request.ip, now);
        done(err as Error);
      },
    );
  };
}
