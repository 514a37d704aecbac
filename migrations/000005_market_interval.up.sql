-- One row per cleared market interval. Its primary key is what makes clearing
-- exactly-once: a repeated or concurrent job for the same (resource, interval) fails to
-- insert it and finds the committed result instead. An ordinary table (not a
-- hypertable), so the key needs no `created`.
BEGIN;

CREATE TABLE IF NOT EXISTS market_interval (
  resource_id bigint NOT NULL REFERENCES resource (resource_id),
  interval_start timestamptz NOT NULL,
  interval_end timestamptz NOT NULL CHECK (interval_end > interval_start),
  price_id bigint NOT NULL,
  created timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (resource_id, interval_start)
);
CREATE INDEX IF NOT EXISTS market_interval_end ON market_interval (resource_id, interval_end DESC);

-- Meter settlement looks at readings that arrived since the market's last clearing, and
-- looks up whether a reading was already settled.
CREATE INDEX IF NOT EXISTS meter_arrival ON meter (resource_id, created);
CREATE INDEX IF NOT EXISTS transaction_meter ON transaction (meter_id) WHERE meter_id IS NOT NULL;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'immutable_rows' AND tgrelid = 'market_interval'::regclass) THEN
    CREATE TRIGGER immutable_rows BEFORE UPDATE OR DELETE ON market_interval
      FOR EACH ROW EXECUTE FUNCTION tess_guard_immutable();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'immutable_statements' AND tgrelid = 'market_interval'::regclass) THEN
    CREATE TRIGGER immutable_statements BEFORE UPDATE OR DELETE OR TRUNCATE ON market_interval
      FOR EACH STATEMENT EXECUTE FUNCTION tess_guard_immutable();
  END IF;
END
$$;

COMMIT;
