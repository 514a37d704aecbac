import type { Access, Actor } from '../rights.js';

/**
 * What each actor may do with the gateway's resources (http/rights.ts holds the TESS
 * tables'): operators run the microgrids, accounting reads them, a customer reads their
 * own account and circuits and tops them up, a vendor tops up any circuit of its system
 * and reads its balance, and a field meter's device posts its logs.
 */
export const GATEWAY_RESOURCES = [
  'field_meter',
  'account',
  /** How TESS reaches an SMS provider. */
  'communication_interface',
  'circuit',
  /** A circuit's state by its PIN: limits, balance, last heard, switch. */
  'circuit_state',
  'token_batch',
  /** Redeeming a credit token for a circuit. */
  'credit',
  /** A field meter's primary and PCU logs. */
  'gateway_log',
  /** The alerts desk: alerts listed, assigned and resolved. */
  'alert',
  /** Control jobs as operators see them. */
  'job',
  /** A field meter's own control jobs: pulled and acknowledged with its device token. */
  'meter_job',
] as const;
export type GatewayResource = (typeof GATEWAY_RESOURCES)[number];

type Rights = Partial<Record<GatewayResource, Access>>;

const operate: Rights = {
  field_meter: 'write',
  communication_interface: 'write',
  account: 'write',
  circuit: 'write',
  circuit_state: 'read',
  token_batch: 'write',
  credit: 'write',
  alert: 'write',
  job: 'read',
};
const customer: Rights = {
  account: 'own-read',
  circuit: 'own-read',
  circuit_state: 'own-read',
  credit: 'own',
};

export const GATEWAY_RIGHTS: Readonly<Record<Actor, Rights>> = Object.freeze({
  ADMINISTRATOR: operate,
  OPERATOR: operate,
  ACCOUNTING: {
    field_meter: 'read',
    communication_interface: 'read',
    account: 'read',
    circuit: 'read',
    circuit_state: 'read',
    alert: 'read',
    job: 'read',
  },
  CUSTOMER: customer,
  TEST: customer,
  VENDOR: { circuit_state: 'read', credit: 'write' },
  DEVICE: { gateway_log: 'own', meter_job: 'own' },
  ANONYMOUS: {},
});
