/**
 * SQL: the PIN and address of the circuit whose row `idColumn` names, from the newest
 * version of its entry (same system and PIN) created at or before `asof` (an SQL
 * expression; none: now). Logs, jobs and alerts may name any version of a circuit, and
 * its address may have changed since: the newest one is what a meter switches by.
 */
export const CIRCUIT_NOW = (idColumn: string, asof?: string): string => `(
  SELECT v.pin, v.ip_address FROM gateway.circuit c
  JOIN gateway.circuit v ON v.system_id = c.system_id AND v.pin = c.pin
  WHERE c.circuit_id = ${idColumn}${asof ? ` AND v.created <= ${asof}` : ''}
  ORDER BY v.created DESC, v.circuit_id DESC LIMIT 1) cur`;
