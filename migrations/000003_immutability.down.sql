BEGIN;
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['system', 'config', 'resource', 'user', 'preference', 'device', 'setting',
                           'token', 'order', 'price', 'meter', 'transaction', 'log'] LOOP
    IF to_regclass(format('%I', t)) IS NOT NULL THEN
      EXECUTE format('DROP TRIGGER IF EXISTS immutable_rows ON %I', t);
      EXECUTE format('DROP TRIGGER IF EXISTS immutable_statements ON %I', t);
    END IF;
  END LOOP;
END
$$;
DROP FUNCTION IF EXISTS tess_guard_immutable();
COMMIT;
