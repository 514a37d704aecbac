-- The log is the record of every non-conformant operation, so no such operation may
-- change it: otherwise a transaction could write its authorising log row, change history
-- under it, then delete that very row, and the log would show nothing.
--   * UPDATE and DELETE on `log` are refused always, authorised or not.
--   * TRUNCATE of `log` (authorised, as migration 3 requires) is allowed only while the
--     database holds no system: that is a load into an empty database replacing the new
--     database's own log with the dump's history (storage/dump.ts), and nothing else.
-- Row triggers are what TimescaleDB copies onto a hypertable's chunks, so statements aimed
-- at a chunk of the log are refused too.
BEGIN;

CREATE OR REPLACE FUNCTION tess_refuse_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT 1 FROM system) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'table "log" is immutable: % refused', TG_OP
    USING ERRCODE = 'TS001',
          HINT = CASE TG_OP WHEN 'TRUNCATE' THEN 'the log is replaced only by a load into an empty database'
                 ELSE 'the log records non-conformant operations and cannot be changed by one' END;
END
$$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'log_final_rows' AND tgrelid = 'log'::regclass) THEN
    CREATE TRIGGER log_final_rows BEFORE UPDATE OR DELETE ON log
      FOR EACH ROW EXECUTE FUNCTION tess_refuse_log_change();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'log_final_statements' AND tgrelid = 'log'::regclass) THEN
    CREATE TRIGGER log_final_statements BEFORE UPDATE OR DELETE OR TRUNCATE ON log
      FOR EACH STATEMENT EXECUTE FUNCTION tess_refuse_log_change();
  END IF;
END
$$;

COMMIT;
