import type { GatewayTableName } from '../../storage/index.js';
import { BASE } from '../paths.js';

/** The gateway's routes live under one prefix of their own. */
export const GATEWAY_BASE = `${BASE}/gateway`;

/** The gateway tables served as resources, and their paths under GATEWAY_BASE. */
export const GATEWAY_PATHS = {
  field_meter: 'meters',
  account: 'accounts',
  circuit: 'circuits',
  communication_interface: 'interfaces',
} as const satisfies Partial<Record<GatewayTableName, string>>;
export type GatewayResourceTable = keyof typeof GATEWAY_PATHS;
