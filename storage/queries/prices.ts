import type { PriceRow } from '../rows.js';
import { asofParam, type Queryable } from './current.js';

/** Whether the TimescaleDB extension is installed in this database (time_bucket is available). */
export async function hasTimescale(db: Queryable): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
  return rows.length > 0;
}

/**
 * The price of the latest cleared interval of a resource, as of `asof`. An interval is
 * cleared after it starts, so only intervals starting by `asof` are looked at: the
 * backward scan of price_key then stops at once instead of passing over later prices.
 * Ordered exactly as that scan (nothing to sort; prices are final, one row per interval)
 * and named, so each connection parses it once.
 */
export async function latestPrice(
  db: Queryable,
  resourceId: number,
  asof: Date | null,
): Promise<PriceRow | null> {
  const { rows } = await db.query({
    name: 'tess_latest_price',
    text: `SELECT * FROM price
            WHERE resource_id = $1 AND interval_start <= $2::timestamptz AND created <= $2::timestamptz
            ORDER BY resource_id DESC, interval_start DESC, created, price_id LIMIT 1`,
    values: [resourceId, asof === null ? 'infinity' : asof.toISOString()],
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
 * Open, high, low, close, volume-weighted price and volume per bucket of `bucketSeconds`,
 * aligned to the Unix epoch: time_bucket on TimescaleDB, date_bin elsewhere.
 */
export async function priceBuckets(
  db: Queryable,
  range: PriceRange,
  bucketSeconds: number,
  timescale: boolean,
): Promise<PriceBucket[]> {
  const bucket = timescale
    ? "time_bucket(make_interval(secs => $5), interval_start, TIMESTAMPTZ 'epoch')"
    : "date_bin(make_interval(secs => $5), interval_start, TIMESTAMPTZ 'epoch')";
  const { rows } = await db.query(
    `SELECT ${bucket} AS bucket_start,
            (array_agg(price ORDER BY interval_start))[1] AS open,
            max(price) AS high,
            min(price) AS low,
            (array_agg(price ORDER BY interval_start DESC))[1] AS close,
            sum(price * quantity) / nullif(sum(quantity), 0) AS vwap,
            sum(quantity) AS volume,
            count(*)::int AS intervals
       FROM price
      WHERE resource_id = $1 AND interval_start >= $2 AND interval_start < $3 AND created <= $4
      GROUP BY 1 ORDER BY 1`,
    [range.resourceId, range.from, range.to, asofParam(range.asof), bucketSeconds],
  );
  return rows as PriceBucket[];
}
