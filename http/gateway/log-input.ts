import { Type } from '@sinclair/typebox';
import { parseTime } from '../../engine/time.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';

/**
 * What a field meter posts, range-checked where it enters: the numbers by the schema
 * (Ajv names the row and field: body.primary.3.watthours), the periods here.
 */

/** Most rows of one post, both kinds together. */
export const LOG_ROWS_MAX = 10_000;
/** Most energy of one period, Wh: 10 MWh is beyond any circuit or panel of a microgrid. */
export const PERIOD_WH_MAX = 1e7;
/** Longest period: one day. */
export const PERIOD_MAX_MS = 24 * 3600_000;
/** How far in the future a period may start: a meter's clock may run a little ahead. */
export const FUTURE_SLACK_MS = 5 * 60_000;
/** A request of LOG_ROWS_MAX rows of every field is about 2 MB of JSON. */
export const LOG_BODY_LIMIT = 4 * 1024 * 1024;

const Wh = (minimum: number) => Type.Number({ minimum, maximum: PERIOD_WH_MAX });
const Period = {
  period_start: Type.String({ maxLength: 40 }),
  period_end: Type.String({ maxLength: 40 }),
};

export const LogsBody = Type.Object(
  {
    primary: Type.Optional(
      Type.Array(
        Type.Object(
          {
            pin: Type.String({ maxLength: 16 }),
            ...Period,
            watthours: Wh(0),
            power_peak: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9, description: 'W' })),
            credit: Type.Optional(
              Type.Number({ minimum: -1e9, maximum: 1e9, description: 'the credit the meter shows' }),
            ),
          },
          { additionalProperties: false },
        ),
        { maxItems: LOG_ROWS_MAX },
      ),
    ),
    pcu: Type.Optional(
      Type.Array(
        Type.Object(
          {
            ...Period,
            solar_wh: Wh(0),
            battery_wh: Type.Optional(Wh(-PERIOD_WH_MAX)),
            battery_soc: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: LOG_ROWS_MAX },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A row's period, checked: ISO-8601 times, of length in (0, 1 day], not starting beyond now + 5 min. */
export function checkPeriod(
  row: { readonly period_start: string; readonly period_end: string },
  at: string,
  now: Date,
): { readonly start: Date; readonly end: Date } {
  const start = parseTime(row.period_start, `${at}.period_start`);
  const end = parseTime(row.period_end, `${at}.period_end`);
  const length = end.getTime() - start.getTime();
  if (length <= 0 || length > PERIOD_MAX_MS) {
    throw fail(ErrorCode.INVALID, `${at}.period_end must be after period_start, by at most one day`);
  }
  if (start.getTime() > now.getTime() + FUTURE_SLACK_MS) {
    throw fail(ErrorCode.INVALID, `${at}.period_start is more than 5 minutes in the future`);
  }
  return { start, end };
}
