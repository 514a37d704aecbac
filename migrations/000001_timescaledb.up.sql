-- TimescaleDB turns the time-series tables into hypertables (migration 4) and serves
-- price history from continuous aggregates (migration 6). Nothing in TESS requires it:
-- servers without it keep ordinary tables and answer every query the same way.
--
-- How a database chooses, once, when it is first migrated:
--   * the session setting `tess.timescaledb` (TESS sets it from TIMESCALEDB=auto|on|off;
--     golang-migrate leaves it unset, which means auto);
--   * auto: TimescaleDB when the server lists the extension AND has it preloaded
--     (shared_preload_libraries); a server that lists it without preloading it cannot
--     create it, so the database stays on plain PostgreSQL and `tess` says why;
--   * on: the same, but a server that cannot offer it is refused with one line;
--   * off: plain PostgreSQL even where TimescaleDB is offered.
-- The preloaded timescaledb loader defines its own settings, so reading one tells whether it
-- is preloaded without the superuser right that shared_preload_libraries needs.
BEGIN;
DO $$
DECLARE
  wanted text := coalesce(nullif(current_setting('tess.timescaledb', true), ''), 'auto');
  available boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb');
  preloaded boolean := current_setting('timescaledb.max_background_workers', true) IS NOT NULL;
BEGIN
  IF wanted NOT IN ('auto', 'on', 'off') THEN
    RAISE EXCEPTION 'tess.timescaledb must be auto, on or off, not "%"', wanted;
  END IF;
  IF wanted = 'off' THEN
    RETURN;
  END IF;
  IF available AND preloaded THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  ELSIF wanted = 'on' THEN
    RAISE EXCEPTION 'TIMESCALEDB=on, but this server %',
      CASE WHEN available THEN 'lists the timescaledb extension without preloading it (add timescaledb to shared_preload_libraries and restart)'
           ELSE 'does not offer the timescaledb extension' END;
  END IF;
END
$$;
COMMIT;
