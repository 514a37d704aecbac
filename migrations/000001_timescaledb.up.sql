-- TimescaleDB turns the time-series tables into hypertables partitioned on `created`.
-- Servers without the extension (plain PostgreSQL) keep ordinary tables: nothing in
-- TESS requires it, so the extension is created only where the server offers it.
BEGIN;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  END IF;
END
$$;
COMMIT;
