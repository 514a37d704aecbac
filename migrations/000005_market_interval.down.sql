BEGIN;
DROP INDEX IF EXISTS transaction_meter;
DROP INDEX IF EXISTS meter_arrival;
DROP TABLE IF EXISTS market_interval;
COMMIT;
