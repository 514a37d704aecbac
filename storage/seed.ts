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
  ['admin-email', 'dchassin@slac.stanford.edu'],
];

export const DEFAULT_RESOURCE = Object.freeze({ name: 'capacity', quantity_unit: 'MW', price_unit: '$/MWh' });

/** The system a handle acts in when openDatabase is given none. */
export const DEFAULT_SYSTEM = 'default';
