/**
 * What a new system starts with: the seed's initial configuration variables and one
 * resource to trade.
 */
export const SEED_CONFIG: ReadonlyArray<readonly [name: string, value: string]> = [
  ['api-version', '1'],
  ['mechanism', 'AUCTION'],
  ['interval', '300'],
  ['time-unit', 'h'],
  ['currency-unit', '$'],
];

/**
 * The `admin-email` of new systems when the deployment names none (openDatabase's
 * `adminEmail`). A placeholder that reaches nobody: the specification's own example
 * address is a real person's and must not end up in every system.
 */
export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';

/** The whole seed configuration of a new system: SEED_CONFIG and the deployment's `admin-email`. */
export const seedConfig = (adminEmail: string): ReadonlyArray<readonly [name: string, value: string]> => [
  ...SEED_CONFIG,
  ['admin-email', adminEmail],
];

export const DEFAULT_RESOURCE = Object.freeze({ name: 'capacity', quantity_unit: 'MW', price_unit: '$/MWh' });

/** The system a handle acts in when openDatabase is given none. */
export const DEFAULT_SYSTEM = 'default';
