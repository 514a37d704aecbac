-- A hypertable cannot be turned back into an ordinary table in place; the tables keep
-- their columns, keys and queries either way, so undoing this step changes nothing.
BEGIN;
SELECT 1;
COMMIT;
