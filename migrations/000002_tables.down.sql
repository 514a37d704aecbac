BEGIN;
DROP TABLE IF EXISTS log, transaction, meter, price, "order", token, setting, device, preference, "user",
  resource, config, system CASCADE;
COMMIT;
