-- Removes the prepaid gateway. The ledger goes back to two sources, which it can only do
-- while no top-up or consumption is booked: money once booked is not removed by a
-- migration (take a dump first, then remove those rows through the logged API).
BEGIN;
DO $$
BEGIN
  IF to_regclass('transaction') IS NOT NULL AND EXISTS (
       SELECT 1 FROM pg_attribute WHERE attrelid = 'transaction'::regclass AND attname = 'redemption_id'
         AND NOT attisdropped) THEN
    IF EXISTS (SELECT 1 FROM transaction WHERE redemption_id IS NOT NULL OR primary_log_id IS NOT NULL) THEN
      RAISE EXCEPTION 'the ledger holds prepaid top-ups or consumption: they would be lost'
        USING ERRCODE = 'TS011',
              HINT = 'dump the database (tess dump) before removing the gateway';
    END IF;
  END IF;
END
$$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM "user" WHERE role = 'VENDOR') THEN
    RAISE EXCEPTION 'users hold the VENDOR role, which the schema before the gateway does not know'
      USING ERRCODE = 'TS011', HINT = 'give them another role (a new version of each user) first';
  END IF;
END
$$;
ALTER TABLE "user" DROP CONSTRAINT IF EXISTS user_role_check;
ALTER TABLE "user" ADD CONSTRAINT user_role_check
  CHECK (role IN ('ADMINISTRATOR', 'OPERATOR', 'ACCOUNTING', 'CUSTOMER', 'TEST'));
DROP INDEX IF EXISTS transaction_primary_log;
ALTER TABLE transaction DROP CONSTRAINT IF EXISTS transaction_source;
ALTER TABLE transaction ADD CONSTRAINT transaction_check CHECK ((order_id IS NULL) <> (meter_id IS NULL));
ALTER TABLE transaction ALTER COLUMN price_id SET NOT NULL;
ALTER TABLE transaction DROP COLUMN IF EXISTS primary_log_id;
ALTER TABLE transaction DROP COLUMN IF EXISTS redemption_id;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tess_app') AND to_regnamespace('gateway') IS NOT NULL THEN
    REVOKE ALL ON ALL TABLES IN SCHEMA gateway FROM tess_app;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA gateway FROM tess_app;
    REVOKE ALL ON SCHEMA gateway FROM tess_app;
  END IF;
END
$$;
DROP SCHEMA IF EXISTS gateway CASCADE;
COMMIT;
