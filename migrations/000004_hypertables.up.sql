-- On TimescaleDB the time-series tables become hypertables partitioned on `created`, so
-- as-of reads and retention work on time chunks. Elsewhere this migration does nothing.
BEGIN;
DO $$
DECLARE
  t text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    FOREACH t IN ARRAY ARRAY['order', 'price', 'meter', 'transaction', 'log'] LOOP
      PERFORM create_hypertable(format('%I', t)::regclass, 'created',
                                chunk_time_interval => interval '1 day',
                                if_not_exists => true, migrate_data => true);
    END LOOP;
  END IF;
END
$$;
COMMIT;
