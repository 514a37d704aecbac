-- What the runtime records when it cannot do its work, so that one bad interval or one
-- bad meter reading never holds up the ones after it (workers/clear-market.ts,
-- workers/settle-meters.ts).
--   * market_interval.reason: why an interval was recorded as a FAILURE instead of being
--     cleared (an order or config the engine or the database cannot take). NULL for every
--     interval that cleared, so existing rows need no change.
--   * meter_failure: a meter reading version that could not be settled (its amount does
--     not fit the ledger), with why. Settlement skips a version named here instead of
--     trying it again at every interval; a correction of the reading is a new version
--     and is settled as usual. An ordinary table, rows only added, like market_interval.
BEGIN;

ALTER TABLE market_interval ADD COLUMN IF NOT EXISTS reason text;
COMMENT ON COLUMN market_interval.reason IS
  'Why the interval was recorded as FAILURE without clearing; NULL when it cleared';

CREATE TABLE IF NOT EXISTS meter_failure (
  meter_id bigint PRIMARY KEY,
  resource_id bigint NOT NULL REFERENCES resource (resource_id),
  reason text NOT NULL,
  created timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE meter_failure IS
  'Meter reading versions settlement could not book, with why; skipped from then on';

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'immutable_rows' AND tgrelid = 'meter_failure'::regclass) THEN
    CREATE TRIGGER immutable_rows BEFORE UPDATE OR DELETE ON meter_failure
      FOR EACH ROW EXECUTE FUNCTION tess_guard_immutable();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'immutable_statements' AND tgrelid = 'meter_failure'::regclass) THEN
    CREATE TRIGGER immutable_statements BEFORE UPDATE OR DELETE OR TRUNCATE ON meter_failure
      FOR EACH STATEMENT EXECUTE FUNCTION tess_guard_immutable();
  END IF;
END
$$;

COMMIT;
