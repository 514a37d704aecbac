import { type Role, TABLE_ORDER, type TessTableName } from '../storage/index.js';
import { DATASET_RIGHTS, type DatasetResource } from './datasets/rights.js';
import { GATEWAY_RIGHTS, type GatewayResource } from './gateway/rights.js';

/** Who calls: a user's role, a device token, or nobody (no token). */
export type Actor = Role | 'DEVICE' | 'ANONYMOUS';

/**
 * What an actor may do with a resource:
 * - write: read and change anything;
 * - read: read anything;
 * - own: read and change its own entries only; own-read: read its own entries only;
 * - none (absent): nothing.
 * "Own" means: entries of the caller's user (devices, preferences, transactions), or of
 * the caller's devices (settings, orders, meters); for a device token, of that device.
 */
export type Access = 'write' | 'read' | 'own' | 'own-read';

/** Resources beyond the tables: the market curves of an interval, the gateway's (gateway/rights.ts) and the datasets' (datasets/rights.ts). */
export type Resource = TessTableName | 'market' | GatewayResource | DatasetResource;
type TessResource = Exclude<Resource, GatewayResource | DatasetResource>;

const ALL: readonly TessResource[] = [...TABLE_ORDER, 'market'];

const every = (access: Access): Record<TessResource, Access> =>
  Object.fromEntries(ALL.map((r) => [r, access])) as Record<TessResource, Access>;

const customer: Partial<Record<Resource, Access>> = {
  device: 'own',
  setting: 'own',
  preference: 'own',
  order: 'own',
  transaction: 'own-read',
  price: 'read',
};

const TESS_RIGHTS: Readonly<Record<Actor, Partial<Record<TessResource, Access>>>> = {
  ADMINISTRATOR: every('write'),
  OPERATOR: { ...every('read'), system: 'write', config: 'write', resource: 'write', order: 'write' },
  ACCOUNTING: { price: 'read', meter: 'read', transaction: 'read' },
  CUSTOMER: customer,
  TEST: customer,
  // A credit vendor redeems tokens for customers (the gateway's routes); no table of its own.
  VENDOR: {},
  DEVICE: { order: 'own', meter: 'own', price: 'read' },
  ANONYMOUS: { price: 'read' },
};

export const RIGHTS: Readonly<Record<Actor, Partial<Record<Resource, Access>>>> = Object.freeze(
  Object.fromEntries(
    Object.entries(TESS_RIGHTS).map(([actor, rights]) => [
      actor,
      { ...rights, ...GATEWAY_RIGHTS[actor as Actor], ...DATASET_RIGHTS[actor as Actor] },
    ]),
  ) as Record<Actor, Partial<Record<Resource, Access>>>,
);

export type Operation = 'read' | 'write';

/** The caller's access to a resource for an operation; null when refused outright. */
export function accessFor(actor: Actor, resource: Resource, op: Operation): Access | null {
  const access = RIGHTS[actor][resource];
  if (!access) return null;
  if (op === 'write' && (access === 'read' || access === 'own-read')) return null;
  return access;
}

export const isOwnAccess = (access: Access | null): boolean => access === 'own' || access === 'own-read';

/** Tables whose rows belong to a user through user_id, and those that belong to a device through device_id. */
export const USER_OWNED: ReadonlySet<TessTableName> = new Set(['device', 'preference', 'transaction']);
export const DEVICE_OWNED: ReadonlySet<TessTableName> = new Set(['setting', 'order', 'meter']);

/**
 * Device-owned tables that are history: an order or a reading belongs to whoever owned
 * the device when it was placed or first reported, not to the device's owner of today.
 * (Settings are the device's present configuration and go with the device; transactions
 * carry the user charged.)
 */
export const OWNED_OVER_TIME: ReadonlySet<TessTableName> = new Set(['order', 'meter']);
