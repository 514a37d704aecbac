import pg from 'pg';

/**
 * How TESS's own connections parse column values, passed to each pool and client it
 * opens (never set on pg's process-wide defaults, which belong to whoever else in the
 * process uses pg):
 * - numeric (OID 1700) arrives as text by default; TESS money is numeric(20,6), whose
 *   values fit a double exactly enough for display and arithmetic in micro-units.
 * - bigint (OID 20): ids and counts stay far below 2^53.
 */
export const TESS_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  1700: (v) => Number.parseFloat(v),
  20: (v) => Number.parseInt(v, 10),
};

export const TESS_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && TESS_PARSERS[oid]
      ? TESS_PARSERS[oid]
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};
