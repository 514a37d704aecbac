-- Dropped without CASCADE: if anything else in this database still uses TimescaleDB
-- (hypertables that are not TESS's), the drop fails instead of taking them along.
BEGIN;
DROP EXTENSION IF EXISTS timescaledb;
COMMIT;
