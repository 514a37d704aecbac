-- A cleared price carries the carbon intensity of its interval when its system's config
-- `carbon-intensity` names a carbon_intensity dataset (migration 13): the intensity in
-- force at the interval's start, and the interval's emissions (the cleared energy times
-- the intensity), in kg. NULL when no dataset is named, the dataset has no row then, or
-- the resource's quantity is not a power (W, kW, MW, GW), so existing rows need no change.
BEGIN;
ALTER TABLE price ADD COLUMN IF NOT EXISTS g_co2_per_kwh double precision
  CHECK (g_co2_per_kwh >= 0 AND g_co2_per_kwh <= 5000);
ALTER TABLE price ADD COLUMN IF NOT EXISTS emissions_kg double precision
  CHECK (emissions_kg > '-Infinity' AND emissions_kg < 'Infinity');
COMMIT;
