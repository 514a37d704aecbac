-- Rows are immutable. UPDATE, DELETE and TRUNCATE fail unless the transaction first
-- wrote a log row describing the operation and named it in the setting
-- `tess.nonconformant` (storage/nonconformant.ts does both). The guard checks that the
-- named log row was written by this very transaction, so a stale or invented id opens nothing.
BEGIN;

CREATE OR REPLACE FUNCTION tess_guard_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  authorized text := current_setting('tess.nonconformant', true);
BEGIN
  IF authorized IS NOT NULL AND authorized ~ '^[0-9]+$' AND EXISTS (
    SELECT 1 FROM log
    WHERE log_id = authorized::bigint
      AND xmin::text::bigint = txid_current() % 4294967296
  ) THEN
    IF TG_LEVEL = 'STATEMENT' THEN
      RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
      RETURN OLD;
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'table "%" is immutable: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'TS001',
          HINT = 'change an entry with set (a new row); other changes go through the logged non-conformant API';
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['system', 'config', 'resource', 'user', 'preference', 'device', 'setting',
                           'token', 'order', 'price', 'meter', 'transaction', 'log'] LOOP
    -- Created only when missing (not CREATE OR REPLACE): older TimescaleDB releases fail
    -- to replace a trigger that was already copied onto a hypertable's chunks.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'immutable_rows' AND tgrelid = format('%I', t)::regclass) THEN
      EXECUTE format('CREATE TRIGGER immutable_rows BEFORE UPDATE OR DELETE ON %I
                      FOR EACH ROW EXECUTE FUNCTION tess_guard_immutable()', t);
    END IF;
    -- The statement trigger refuses even statements that touch no row; the row trigger
    -- is what TimescaleDB copies onto chunks, guarding statements aimed at a chunk.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'immutable_statements' AND tgrelid = format('%I', t)::regclass) THEN
      EXECUTE format('CREATE TRIGGER immutable_statements BEFORE UPDATE OR DELETE OR TRUNCATE ON %I
                      FOR EACH STATEMENT EXECUTE FUNCTION tess_guard_immutable()', t);
    END IF;
  END LOOP;
END
$$;

COMMIT;
