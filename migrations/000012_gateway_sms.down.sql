-- Removes the gateway's SMS tables: interfaces, messages and their send attempts.
BEGIN;
DROP TABLE IF EXISTS gateway.message_attempt;
DROP TABLE IF EXISTS gateway.message;
DROP TABLE IF EXISTS gateway.communication_interface;
COMMIT;
