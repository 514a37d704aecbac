-- On TimescaleDB the time-series tables become hypertables, so as-of reads, compression
-- (migration 6) and retention work on time chunks. Elsewhere this migration does nothing.
--
-- Partitioning: `order`, `meter`, `transaction` and `log` on `created` (every as-of read
-- bounds it). `price` on `interval_start`: continuous aggregates (migration 6) must bucket
-- the partitioning column, and price history is bucketed by the interval a price is for,
-- not by when it was written; every price read bounds `interval_start` too. Its primary
-- key therefore becomes (price_id, interval_start): a hypertable's unique keys must hold
-- the partitioning column.
--
-- Chunk intervals, for 300-s markets. Measured bytes per row (heap, TOAST and indexes)
-- after two intervals of 50,000 orders from 50,000 devices were cleared and settled:
-- order 301, transaction 192, meter 207. With 10,000 devices, each placing one order
-- (two rows: OPEN, then CLEARED), reading one meter and settling a fill and a reading
-- every interval, a day holds:
--   order        1 day   5.8 M rows, ~1.7 GB
--   transaction  1 day   up to 5.8 M rows, ~1.1 GB
--   meter        1 day   2.9 M rows, ~0.6 GB
--   price        30 days one row per resource and interval: 8,640 rows a month each
--   log          30 days a few rows a day
-- TimescaleDB's guidance is that the chunks being written, with their indexes, fit in a
-- quarter of memory: a day of the busiest table (1.7 GB) does on an 8 GB server, an hour
-- would make 24 times the chunks for the planner to consider in every as-of read, and a
-- week would not fit. A day is also the unit the 7-day compression policy works in.
--
-- Converting a table that already holds rows moves them into chunks and empties the
-- parent table, which the immutability guard (migration 3) refuses. That is a
-- non-conformant operation, done the project's conformant way: a `log` row describing it,
-- named in `tess.nonconformant` for this transaction only. A fresh database holds rows
-- only in `log` (its creation and the migrations so far).
--
-- Safe to apply twice: tables that are hypertables already are left as they are.
BEGIN;
DO $$
DECLARE
  spec record;
  holds_rows boolean;
  entry bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
     OR coalesce(nullif(current_setting('tess.timescaledb', true), ''), 'auto') = 'off' THEN
    RETURN;
  END IF;
  FOR spec IN
    SELECT * FROM (VALUES ('order', 'created', interval '1 day'),
                          ('transaction', 'created', interval '1 day'),
                          ('meter', 'created', interval '1 day'),
                          ('price', 'interval_start', interval '30 days'),
                          ('log', 'created', interval '30 days')) AS s (tbl, col, chunk)
  LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                          WHERE hypertable_schema = current_schema() AND hypertable_name = spec.tbl);
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', spec.tbl) INTO holds_rows;
    IF holds_rows THEN
      INSERT INTO log (event, table_name, message)
      VALUES ('ALTER', spec.tbl, format('table %s made a hypertable on %s: its rows moved into chunks', spec.tbl, spec.col))
      RETURNING log_id INTO entry;
      PERFORM set_config('tess.nonconformant', entry::text, true);
    END IF;
    IF spec.tbl = 'price' THEN
      ALTER TABLE price DROP CONSTRAINT IF EXISTS price_pkey;
      ALTER TABLE price ADD PRIMARY KEY (price_id, interval_start);
    END IF;
    -- No default index on the partitioning column: each table's own key indexes (migrations
    -- 2 and 5) serve its reads, and every extra index is paid on each row written.
    PERFORM create_hypertable(format('%I', spec.tbl)::regclass, by_range(spec.col, spec.chunk),
                              create_default_indexes => spec.tbl = 'log', migrate_data => holds_rows);
  END LOOP;
  PERFORM set_config('tess.nonconformant', '', true);
END
$$;
COMMIT;
