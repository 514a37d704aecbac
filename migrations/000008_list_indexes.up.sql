-- Lists that a customer or device asks for are filtered by device: orders and meter
-- readings of one device, newest versions found by time. Without an index on the
-- device, `GET /api/v1/orders?device_id=…` walks every order ever placed.
-- (`meter_key` already leads with device_id; `transaction_user` serves ledgers.)
BEGIN;
CREATE INDEX IF NOT EXISTS order_device ON "order" (device_id, created);
COMMIT;
