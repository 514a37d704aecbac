/**
 * The emissions of a cleared interval: its cleared quantity, a power in the resource's
 * quantity unit, held for the interval, times the grid's carbon intensity then. Null when
 * the unit is not a power (the quantity of a resource in MWh, say, is no energy per hour).
 */
const KW_PER_UNIT: Readonly<Record<string, number>> = { W: 1e-3, kW: 1, MW: 1e3, GW: 1e6 };

/** kWh per unit of the resource's quantity held for an hour, or null when the unit is no power. */
export const kwhPerUnitHour = (unit: string): number | null => KW_PER_UNIT[unit] ?? null;

/** kg of CO₂ of `quantity` (in `unit`) cleared for `seconds` at `gPerKwh`; null when `unit` is no power. */
export function emissionsKg(quantity: number, unit: string, seconds: number, gPerKwh: number): number | null {
  const k = kwhPerUnitHour(unit);
  if (k === null) return null;
  return (quantity * k * (seconds / 3600) * gPerKwh) / 1000;
}
