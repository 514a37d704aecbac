-- Takes back every grant the up file made. The role itself stays: roles belong to the
-- whole cluster, and other databases (other TESS deployments, other migrations of this
-- one) may hold grants to it, which DROP ROLE would refuse or, with DROP OWNED, take from
-- them too. Without any grant in this database it can do nothing here; a superuser who
-- knows no database uses it any more drops it with `DROP ROLE tess_app`.
BEGIN;
DO $$
DECLARE
  t text;
  s text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tess_app') THEN
    RETURN;
  END IF;
  FOREACH t IN ARRAY ARRAY['system', 'config', 'resource', 'user', 'preference', 'device', 'setting',
                           'token', 'order', 'price', 'meter', 'transaction', 'log', 'market_interval', 'meter_failure',
                           'price_5m', 'price_1h', 'price_1d', 'schema_migrations'] LOOP
    CONTINUE WHEN to_regclass(format('%I', t)) IS NULL;
    EXECUTE format('REVOKE ALL ON %I FROM tess_app', t);
    s := (SELECT pg_get_serial_sequence(format('%I', t), attname) FROM pg_attribute
          WHERE attrelid = format('%I', t)::regclass AND attname = t || '_id' AND NOT attisdropped);
    IF s IS NOT NULL THEN
      EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM tess_app', s);
    END IF;
  END LOOP;
  IF to_regprocedure('tess_guard_immutable()') IS NOT NULL THEN
    REVOKE ALL ON FUNCTION tess_guard_immutable() FROM tess_app;
  END IF;
  IF to_regprocedure('tess_refuse_log_change()') IS NOT NULL THEN
    REVOKE ALL ON FUNCTION tess_refuse_log_change() FROM tess_app;
  END IF;
  EXECUTE format('REVOKE ALL ON SCHEMA %I FROM tess_app', current_schema());
END
$$;
COMMIT;
