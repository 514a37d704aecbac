-- The role the application runs as: `tess_app`, NOLOGIN, holding exactly what the API and
-- the market runtime use and nothing that could rewrite history. The guard triggers of
-- migrations 3 and 7 refuse UPDATE, DELETE and TRUNCATE to everyone, but a table's owner
-- may still `ALTER TABLE … DISABLE TRIGGER`, drop or truncate it, and any session may name
-- a log row in `tess.nonconformant`. A role that owns nothing and may only read and insert
-- can do none of that: UPDATE, DELETE and TRUNCATE fail on privileges before a trigger is
-- consulted, and DDL needs ownership. Operators log in as a member of it
-- (`CREATE ROLE tess_web LOGIN IN ROLE tess_app`, README "Database and migrations");
-- migrations, dumps and loads keep running as the owner.
--
-- What it is granted, found by running the API and the runtime under it:
--   * USAGE on the schema; SELECT and INSERT on every TESS table, market_interval and meter_failure
--     (rows are only ever added); on TimescaleDB the grants on a hypertable reach its
--     chunks, and new chunks are created by TimescaleDB with the hypertable's grants;
--   * USAGE and SELECT on the identity sequences (ids are taken ahead with nextval for
--     COPY batches and prices);
--   * SELECT on the price history aggregates (their view queries run with the owner's
--     rights; refreshing them needs ownership, so it is left to their policy jobs, which
--     run as the owner);
--   * SELECT on schema_migrations, so `tess start` as the application can tell that the
--     schema is current;
--   * EXECUTE on the guard functions (PUBLIC holds it by default; granted so that a
--     database that revoked PUBLIC's still works).
-- A migration that adds a table grants it to tess_app in the same way.
--
-- Roles belong to the whole cluster, not to this database: the role is created only when
-- missing and when the migrating role may create roles (superuser or CREATEROLE); otherwise
-- a NOTICE says so and the grants are skipped (create the role, then apply this migration
-- again: `tess migrate force` to the version before this one, then `tess migrate up`; every step is idempotent). Two
-- databases migrating at once may both find it missing: the second CREATE ROLE waits for
-- the first's transaction and then fails with duplicate_object (42710) or, on the catalog's
-- unique index, unique_violation (23505); both mean it exists, which is all this needs.
BEGIN;
DO $$
DECLARE
  may_create boolean := (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user);
  t text;
  s text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tess_app') THEN
    IF NOT may_create THEN
      RAISE NOTICE 'role tess_app not created: role % may not create roles; the application runs with the rights of its login', current_user
        USING ERRCODE = 'TS010',
              HINT = 'as a superuser: CREATE ROLE tess_app NOLOGIN; then force the version before 10 (`tess migrate force V`) and run `tess migrate up` to grant it';
      RETURN;
    END IF;
    BEGIN
      CREATE ROLE tess_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;

  EXECUTE format('GRANT USAGE ON SCHEMA %I TO tess_app', current_schema());
  FOREACH t IN ARRAY ARRAY['system', 'config', 'resource', 'user', 'preference', 'device', 'setting',
                           'token', 'order', 'price', 'meter', 'transaction', 'log', 'market_interval',
                           'meter_failure'] LOOP
    EXECUTE format('GRANT SELECT, INSERT ON %I TO tess_app', t);
    -- market_interval and meter_failure have no identity column.
    s := (SELECT pg_get_serial_sequence(format('%I', t), attname) FROM pg_attribute
          WHERE attrelid = format('%I', t)::regclass AND attname = t || '_id' AND NOT attisdropped);
    IF s IS NOT NULL THEN
      EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO tess_app', s);
    END IF;
  END LOOP;
  FOREACH t IN ARRAY ARRAY['price_5m', 'price_1h', 'price_1d'] LOOP
    IF to_regclass(format('%I', t)) IS NOT NULL THEN
      EXECUTE format('GRANT SELECT ON %I TO tess_app', t);
    END IF;
  END LOOP;
  IF to_regclass('schema_migrations') IS NOT NULL THEN
    GRANT SELECT ON schema_migrations TO tess_app;
  END IF;
  GRANT EXECUTE ON FUNCTION tess_guard_immutable(), tess_refuse_log_change() TO tess_app;
END
$$;
COMMIT;
