-- What TimescaleDB offers TESS users, where the time-series tables are hypertables
-- (migration 4); elsewhere this migration does nothing and the same queries run on the
-- raw tables.
--
-- 1. Price history buckets of 5 minutes, 1 hour and 1 day as continuous aggregates,
--    each built on the one below (hierarchical), with real-time aggregation so the
--    newest intervals are included before they are materialized. Sums are kept in
--    numeric, so a bucket's volume and volume-weighted price are exact whatever the
--    grouping: the aggregates answer exactly as the same query on `price` does.
--    Buckets align to the Unix epoch (time_bucket's default origin, 2000-01-03, is a
--    whole number of days from it).
-- 2. Compression of chunks of order, meter, transaction and log. Segments follow the
--    reads that reach old history (an order or a reading by device, a ledger by user),
--    ordered by time within each. The policy's age (7 days here) is reset at start
--    from COMPRESS_AFTER_DAYS. Compressed rows stay immutable: the guard of migration 3
--    refuses UPDATE and DELETE on them as on any row.
BEGIN;
DO $$
BEGIN
  -- Nested: a condition naming TimescaleDB's views does not even parse without them.
  IF to_regclass('timescaledb_information.hypertables') IS NULL OR to_regclass('price_5m') IS NOT NULL THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                  WHERE hypertable_schema = current_schema() AND hypertable_name = 'price') THEN
    RETURN;
  END IF;

  CREATE MATERIALIZED VIEW price_5m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT resource_id,
         time_bucket(interval '5 minutes', interval_start) AS bucket_start,
         first(price, interval_start) AS open,
         max(price) AS high,
         min(price) AS low,
         last(price, interval_start) AS close,
         sum(price::numeric * quantity::numeric) AS turnover,
         sum(quantity::numeric) AS volume,
         count(*) AS intervals
    FROM price
   GROUP BY resource_id, bucket_start
  WITH NO DATA;

  CREATE MATERIALIZED VIEW price_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT resource_id,
         time_bucket(interval '1 hour', bucket_start) AS bucket_start,
         first(open, bucket_start) AS open,
         max(high) AS high,
         min(low) AS low,
         last(close, bucket_start) AS close,
         sum(turnover) AS turnover,
         sum(volume) AS volume,
         sum(intervals)::bigint AS intervals
    FROM price_5m
   GROUP BY resource_id, 2
  WITH NO DATA;

  CREATE MATERIALIZED VIEW price_1d WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
  SELECT resource_id,
         time_bucket(interval '1 day', bucket_start) AS bucket_start,
         first(open, bucket_start) AS open,
         max(high) AS high,
         min(low) AS low,
         last(close, bucket_start) AS close,
         sum(turnover) AS turnover,
         sum(volume) AS volume,
         sum(intervals)::bigint AS intervals
    FROM price_1h
   GROUP BY resource_id, 2
  WITH NO DATA;

  -- Refreshes look back without limit (start_offset NULL) so that intervals cleared late
  -- (after downtime) or loaded from a dump reach the buckets; a refresh recomputes only
  -- invalidated buckets, so the unlimited window costs nothing when nothing changed.
  PERFORM add_continuous_aggregate_policy('price_5m', start_offset => NULL,
    end_offset => interval '10 minutes', schedule_interval => interval '1 minute');
  PERFORM add_continuous_aggregate_policy('price_1h', start_offset => NULL,
    end_offset => interval '1 hour', schedule_interval => interval '5 minutes');
  PERFORM add_continuous_aggregate_policy('price_1d', start_offset => NULL,
    end_offset => interval '1 day', schedule_interval => interval '1 hour');

  ALTER TABLE "order" SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id',
                           timescaledb.compress_orderby = 'created DESC, order_id DESC');
  ALTER TABLE meter SET (timescaledb.compress, timescaledb.compress_segmentby = 'device_id',
                         timescaledb.compress_orderby = 'created DESC, meter_id DESC');
  ALTER TABLE transaction SET (timescaledb.compress, timescaledb.compress_segmentby = 'user_id',
                               timescaledb.compress_orderby = 'created DESC, transaction_id DESC');
  ALTER TABLE log SET (timescaledb.compress, timescaledb.compress_orderby = 'created DESC, log_id DESC');
  PERFORM add_compression_policy(t, compress_after => interval '7 days')
     FROM unnest(ARRAY['order', 'meter', 'transaction', 'log']) AS t;
END
$$;
COMMIT;
