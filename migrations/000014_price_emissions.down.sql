-- Removes the prices' carbon intensity and emissions (the datasets they came from stay).
BEGIN;
ALTER TABLE price DROP COLUMN IF EXISTS emissions_kg;
ALTER TABLE price DROP COLUMN IF EXISTS g_co2_per_kwh;
COMMIT;
