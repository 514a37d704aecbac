import { aggregateFor } from '../price-aggregates.js';
import type { PriceRow } from '../rows.js';
import { asofParam, type Queryable } from './current.js';

/**
 * The price of the latest cleared interval of a resource, as of `asof`. An interval is
 * cleared after it starts, so only intervals starting by `asof` are looked at: the
 * backward scan of price_key then stops at once instead of passing over later prices.
 * Ordered exactly as that scan (nothing to sort; prices are final, one row per interval)
 * and named, so each connection parses it once.
 *
 * `now` bounds the interval start of a current read (asof null) too: a row of an interval
 * not yet begun (written with a wrong clock, or forged) is never the current price, or
 * it would be served until its own interval passed.
 */
export async function latestPrice(
  db: Queryable,
  resourceId: number,
  asof: Date | null,
  now: Date | null = null,
): Promise<PriceRow | null> {
  const { rows } = await db.query({
    name: 'tess_latest_price_by',
    text: `SELECT * FROM price
            WHERE resource_id = $1 AND interval_start <= LEAST($2::timestamptz, $3::timestamptz)
              AND created <= $2::timestamptz
            ORDER BY resource_id DESC, interval_start DESC, created, price_id LIMIT 1`,
    values: [
      resourceId,
      asof === null ? 'infinity' : asof.toISOString(),
      now === null ? 'infinity' : now.toISOString(),
    ],
  });
  return (rows[0] as PriceRow) ?? null;
}

export interface PriceRange {
  readonly resourceId: number;
  /** Interval starts from `from` (inclusive) to `to` (exclusive). */
  readonly from: Date;
  readonly to: Date;
  readonly asof: Date | null;
}

/** Prices of intervals in a range, oldest first, at most `limit` of them. */
export async function priceHistory(db: Queryable, range: PriceRange, limit: number): Promise<PriceRow[]> {
  const { rows } = await db.query(
    `SELECT * FROM price WHERE resource_id = $1 AND interval_start >= $2 AND interval_start < $3 AND created <= $4
     ORDER BY interval_start, created, price_id LIMIT $5`,
    [range.resourceId, range.from, range.to, asofParam(range.asof), limit],
  );
  return rows as PriceRow[];
}

export interface PriceBucket {
  readonly bucket_start: Date;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Volume-weighted price (null when no quantity cleared in the bucket). */
  readonly vwap: number | null;
  readonly volume: number;
  readonly intervals: number;
}

/**
 * The columns of a bucket from its sums. Turnover (price × quantity) and volume are
 * summed in numeric, so a bucket's figures are exact whatever the grouping: the raw
 * query and the continuous aggregates (which sum sums) give the same doubles.
 */
const FIGURES = `open, high, low, close, (turnover / nullif(volume, 0))::float8 AS vwap,
                 volume::float8 AS volume, intervals::int AS intervals`;

/**
 * Open, high, low, close, volume-weighted price and volume per bucket of `bucketSeconds`,
 * aligned to the Unix epoch, of the intervals starting in the range. On TimescaleDB,
 * 5-minute, 1-hour and 1-day buckets of the present state (no `asof`) come from continuous
 * aggregates, real-time so the newest intervals count; only the partial buckets at either
 * end of an unaligned range are computed from `price`. Every other read is computed from
 * `price` (date_bin), which the aggregates cannot answer as of a past time.
 */
export async function priceBuckets(
  db: Queryable,
  range: PriceRange,
  bucketSeconds: number,
  aggregates: boolean,
): Promise<PriceBucket[]> {
  const view = aggregates && range.asof === null ? aggregateFor(bucketSeconds) : undefined;
  if (view === undefined) return rawBuckets(db, range, bucketSeconds);
  const width = bucketSeconds * 1000;
  const first = new Date(Math.ceil(range.from.getTime() / width) * width);
  const end = new Date(Math.floor(range.to.getTime() / width) * width);
  if (!(first < end)) return rawBuckets(db, range, bucketSeconds);
  const [head, middle, tail] = await Promise.all([
    first > range.from ? rawBuckets(db, { ...range, to: first }, bucketSeconds) : [],
    db.query(
      `SELECT bucket_start, ${FIGURES} FROM ${view}
        WHERE resource_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start`,
      [range.resourceId, first, end],
    ),
    end < range.to ? rawBuckets(db, { ...range, from: end }, bucketSeconds) : [],
  ]);
  return [...head, ...(middle.rows as PriceBucket[]), ...tail];
}

async function rawBuckets(db: Queryable, range: PriceRange, bucketSeconds: number): Promise<PriceBucket[]> {
  const { rows } = await db.query(
    `SELECT bucket_start, ${FIGURES}
       FROM (SELECT date_bin(make_interval(secs => $5), interval_start, TIMESTAMPTZ 'epoch') AS bucket_start,
                    (array_agg(price ORDER BY interval_start))[1] AS open,
                    max(price) AS high,
                    min(price) AS low,
                    (array_agg(price ORDER BY interval_start DESC))[1] AS close,
                    sum(price::numeric * quantity::numeric) AS turnover,
                    sum(quantity::numeric) AS volume,
                    count(*) AS intervals
               FROM price
              WHERE resource_id = $1 AND interval_start >= $2 AND interval_start < $3 AND created <= $4
              GROUP BY 1) AS b
      ORDER BY bucket_start`,
    [range.resourceId, range.from, range.to, asofParam(range.asof), bucketSeconds],
  );
  return rows as PriceBucket[];
}
