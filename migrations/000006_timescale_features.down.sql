-- Removes what the up file made: the aggregates (and their refresh policies), then the
-- compression policies and settings. Compressed chunks are decompressed first, since
-- compression cannot be turned off while any chunk is compressed.
BEGIN;
DROP MATERIALIZED VIEW IF EXISTS price_1d;
DROP MATERIALIZED VIEW IF EXISTS price_1h;
DROP MATERIALIZED VIEW IF EXISTS price_5m;
DO $$
DECLARE
  t text;
BEGIN
  IF to_regclass('timescaledb_information.hypertables') IS NULL THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['order', 'meter', 'transaction', 'log'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                               WHERE hypertable_schema = current_schema() AND hypertable_name = t
                                 AND compression_enabled);
    PERFORM remove_compression_policy(format('%I', t)::regclass, if_exists => true);
    PERFORM decompress_chunk(c, if_compressed => true) FROM show_chunks(format('%I', t)::regclass) AS c;
    EXECUTE format('ALTER TABLE %I SET (timescaledb.compress = false)', t);
  END LOOP;
END
$$;
COMMIT;
