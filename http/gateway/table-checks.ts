import { isIP } from 'node:net';
import {
  checkTimeZone,
  INTERFACE_NEEDS,
  type InterfaceKind,
  SECRET_ENV_PATTERN,
} from '../../engine/gateway/index.js';
import type { Database } from '../../storage/index.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import type { GatewayResourceTable } from './paths.js';

type Values = Record<string, unknown>;

/** Ranges of the gateway's measured quantities (Wh, W): a GWh battery or a GW circuit is a typo. */
const BOUNDS: Readonly<Record<string, readonly [number, number]>> = {
  battery_capacity: [0, 1e9],
  panel_capacity: [0, 1e9],
  energy_max: [0, 1e9],
  power_max: [0, 1e9],
};

function checkBounds(body: Values): void {
  for (const [name, [lo, hi]] of Object.entries(BOUNDS)) {
    const v = body[name];
    if (typeof v === 'number' && !(v >= lo && v <= hi)) {
      throw fail(ErrorCode.INVALID, `body.${name} must be from ${lo} to ${hi}, not ${v}`);
    }
  }
}

/**
 * What the gateway's writes check beyond the table definitions, for an add (all fields)
 * or a change (the fields given): bounds, the meter's time zone, and that a circuit's
 * device belongs to a customer with an account and its meter to the same system.
 */
export async function checkGatewayWrite(
  db: Database,
  table: GatewayResourceTable,
  body: Values,
  systemId: number,
): Promise<void> {
  checkBounds(body);
  if (typeof body['time_zone'] === 'string') checkTimeZone(body['time_zone'], 'body.time_zone');
  if (typeof body['ip_address'] === 'string' && isIP(body['ip_address']) === 0) {
    throw fail(ErrorCode.INVALID, `body.ip_address must be an IPv4 or IPv6 address`);
  }
  if (table === 'account' && typeof body['user_id'] === 'number') {
    const user = await db.current('user', body['user_id']);
    if (!user || user.system_id !== systemId) {
      throw fail(ErrorCode.INVALID, `body.user_id: user ${body['user_id']} is not a user of this system`);
    }
  }
  if (table === 'communication_interface') return checkInterface(db, body, systemId);
  if (table === 'field_meter' && typeof body['communication_interface'] === 'string') {
    const name = body['communication_interface'];
    if ((await db.communication_interface.find({ system_id: systemId, name })) === null) {
      throw fail(
        ErrorCode.INVALID,
        `body.communication_interface: no interface named ${JSON.stringify(name)}; add it at /gateway/interfaces first`,
      );
    }
  }
  if (table !== 'circuit') return;
  const device = typeof body['device_id'] === 'number' ? body['device_id'] : null;
  if (device !== null) {
    const owner = (await db.current('device', device))?.user_id;
    if (owner === undefined) throw fail(ErrorCode.INVALID, `body.device_id: device ${device} not found`);
    if ((await db.account.find({ user_id: owner })) === null) {
      throw fail(
        ErrorCode.INVALID,
        `body.device_id: device ${device}'s owner (user ${owner}) has no account; add one at /gateway/accounts first`,
      );
    }
  }
  const meterId = typeof body['field_meter_id'] === 'number' ? body['field_meter_id'] : null;
  if (meterId !== null && (await db.current('field_meter', meterId))?.system_id !== systemId) {
    throw fail(ErrorCode.INVALID, `body.field_meter_id: field meter ${meterId} is not one of this system`);
  }
}

const INTERFACE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** An interface's fields, and, over its current version for a change, that its kind has what it needs. */
async function checkInterface(db: Database, body: Values, systemId: number): Promise<void> {
  const name = body['name'];
  if (typeof name === 'string' && !INTERFACE_NAME.test(name)) {
    throw fail(
      ErrorCode.INVALID,
      'body.name must be 1 to 63 of a-z, 0-9, _ and - (starting with a letter or digit): it is part of the webhook URL',
    );
  }
  const url = body['base_url'];
  if (typeof url === 'string') {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {}
    if (!parsed || !/^https?:$/.test(parsed.protocol) || url.length > 2000) {
      throw fail(ErrorCode.INVALID, `body.base_url must be an http or https URL, not ${JSON.stringify(url)}`);
    }
  }
  for (const [field, max] of [
    ['account', 200],
    ['sender', 64],
  ] as const) {
    const v = body[field];
    if (typeof v === 'string' && (v.length === 0 || v.length > max)) {
      throw fail(ErrorCode.INVALID, `body.${field} must be 1 to ${max} characters`);
    }
  }
  const secret = body['secret_env'];
  if (typeof secret === 'string' && !SECRET_ENV_PATTERN.test(secret)) {
    throw fail(
      ErrorCode.INVALID,
      `body.secret_env must name an environment variable SMS_SECRET_<A-Z, 0-9, _> (the secret itself is never stored), not ${JSON.stringify(secret)}`,
    );
  }
  const id =
    typeof name === 'string' ? await db.communication_interface.find({ system_id: systemId, name }) : null;
  const current = id === null ? null : await db.communication_interface.get(id);
  const merged: Values = { ...current, ...body };
  const kind = merged['kind'] as InterfaceKind | undefined;
  if (kind === undefined) return;
  const missing = INTERFACE_NEEDS[kind].filter((f) => merged[f] === undefined || merged[f] === null);
  if (missing.length) {
    throw fail(ErrorCode.INVALID, `body: a ${kind} interface needs ${missing.join(', ')}`);
  }
}
