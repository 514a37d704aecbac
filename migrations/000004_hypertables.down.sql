-- A hypertable cannot be turned back into an ordinary table in place. Undoing this step
-- leaves the tables as they are: their columns, keys and queries are the same either way,
-- and migration 2's down drops them (chunks and TimescaleDB's catalog entries included).
BEGIN;
SELECT 1;
COMMIT;
