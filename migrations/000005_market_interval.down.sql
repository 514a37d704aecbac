BEGIN;
DROP INDEX IF EXISTS transaction_meter;
DROP TABLE IF EXISTS market_interval;
COMMIT;
