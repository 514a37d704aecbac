BEGIN;
DROP TRIGGER IF EXISTS log_final_rows ON log;
DROP TRIGGER IF EXISTS log_final_statements ON log;
DROP FUNCTION IF EXISTS tess_refuse_log_change();
COMMIT;
