import { ErrorCode, TessError } from '../../engine/errors.js';
import {
  checkTimeZone,
  DEFAULT_DAY_STARTS,
  DEFAULT_NIGHT_STARTS,
  DEFAULT_TIME_ZONE,
  parseTimeOfDay,
  type Tariff,
} from '../../engine/gateway/index.js';
import { moneyToMicro } from '../values.js';

/** System config the gateway reads to price consumption. */
export const GATEWAY_CONFIG = [
  'mechanism',
  'day-tariff',
  'night-tariff',
  'day-starts',
  'night-starts',
  'time-zone',
  'gateway-resource',
] as const;

/** The resource whose market prices consumption, when `gateway-resource` names none. */
export const DEFAULT_GATEWAY_RESOURCE = 'capacity';

/** Largest tariff accepted, in the price unit: the market's own price bound (engine limits). */
const TARIFF_MAX = 1e6;

function tariffValue(text: string | null | undefined, name: string): number | null {
  if (text === null || text === undefined || text === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > TARIFF_MAX) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be a number from 0 to ${TARIFF_MAX} (got "${text}")`,
    );
  }
  return value;
}

/**
 * The day/night tariff configured for a system, or null when it sets neither tariff.
 * Unreadable values are refused with the name of the variable, so an operator sees which
 * config to fix.
 */
export function readTariff(config: Readonly<Record<string, string | null>>): Tariff | null {
  const day = tariffValue(config['day-tariff'], 'day-tariff');
  const night = tariffValue(config['night-tariff'], 'night-tariff');
  if (day === null && night === null) return null;
  if (day === null || night === null) {
    throw new TessError(ErrorCode.INVALID, 'set both day-tariff and night-tariff, or neither');
  }
  const dayStarts = parseTimeOfDay(config['day-starts'] ?? DEFAULT_DAY_STARTS, 'day-starts');
  const nightStarts = parseTimeOfDay(config['night-starts'] ?? DEFAULT_NIGHT_STARTS, 'night-starts');
  if (dayStarts === nightStarts)
    throw new TessError(ErrorCode.INVALID, 'day-starts and night-starts must differ');
  return {
    dayMicro: moneyToMicro(day),
    nightMicro: moneyToMicro(night),
    dayStarts,
    nightStarts,
    zone: checkTimeZone(config['time-zone'] ?? DEFAULT_TIME_ZONE, 'time-zone'),
  };
}
