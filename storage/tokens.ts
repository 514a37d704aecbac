import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ErrorCode, TessError } from '../engine/errors.js';
import type { Database, TokenRow } from './index.js';

/**
 * Bearer tokens read `tess_<unique_id>_<secret>`: unique_id names the token row, the
 * secret (32 random bytes, base64url) is shown once and only its SHA-256 is stored.
 */
const PREFIX = 'tess_';
/** What a token looks like, for messages that refuse one of another shape. */
export const TOKEN_SHAPE = `${PREFIX}<unique_id>_<secret>`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function formatToken(uniqueId: string, secret: string): string {
  return `${PREFIX}${uniqueId}_${secret}`;
}

/** Splits a token into its unique_id and secret; null when it is not a TESS token. */
export function parseToken(text: string): { uniqueId: string; secret: string } | null {
  if (!text.startsWith(PREFIX)) return null;
  const cut = text.indexOf('_', PREFIX.length);
  if (cut < 0) return null;
  const uniqueId = text.slice(PREFIX.length, cut);
  const secret = text.slice(cut + 1);
  if (!UUID.test(uniqueId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return { uniqueId, secret };
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(secretHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface IssuedToken {
  readonly row: TokenRow;
  /** The token text; it is not stored anywhere and cannot be shown again. */
  readonly token: string;
}

/**
 * Issues a token for a user, or for a device (then the device's current owner is the
 * token's user). Exactly one of the two is needed.
 */
export async function issueToken(
  db: Database,
  target: { userId?: number | null; deviceId?: number | null },
): Promise<IssuedToken> {
  let userId = target.userId ?? null;
  const deviceId = target.deviceId ?? null;
  if (deviceId !== null && userId !== null) {
    throw new TessError(ErrorCode.INVALID, 'a token is for a user or for a device, not both');
  }
  if (deviceId !== null) {
    const device = await db.current('device', deviceId, null);
    if (!device) throw new TessError(ErrorCode.NOT_FOUND, `device ${deviceId} not found`);
    userId = device.user_id;
  }
  if (userId === null) throw new TessError(ErrorCode.INVALID, 'a token needs a user or a device');
  const uniqueId = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const row = await db.token.add({
    user_id: userId,
    device_id: deviceId,
    unique_id: uniqueId,
    secret_hash: hashSecret(secret),
  });
  return { row, token: formatToken(uniqueId, secret) };
}

/** A token row as the API shows it: never with its secret's hash. */
export function publicToken(row: TokenRow): Omit<TokenRow, 'secret_hash'> {
  const { secret_hash: _hidden, ...rest } = row;
  return rest;
}
