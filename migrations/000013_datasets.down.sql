-- Removes the datasets and the clients' sites, with every row they hold: take a dump
-- first (tess dump) to keep them.
BEGIN;
DROP SCHEMA IF EXISTS tariffs CASCADE;
DROP SCHEMA IF EXISTS weather CASCADE;
DROP SCHEMA IF EXISTS carbon_intensity CASCADE;
DROP SCHEMA IF EXISTS renewables CASCADE;
DROP SCHEMA IF EXISTS client_meters CASCADE;
DROP SCHEMA IF EXISTS heating CASCADE;
DROP SCHEMA IF EXISTS client_info CASCADE;
DROP FUNCTION IF EXISTS tess_dataset_opened();
DROP FUNCTION IF EXISTS tess_dataset_row();
DROP FUNCTION IF EXISTS tess_dataset_closed();
COMMIT;
