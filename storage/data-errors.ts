/**
 * Whether PostgreSQL refused a statement because of the data it carried: SQLSTATE class
 * 22 (data exception: numeric field overflow, out-of-range values, bad text for a type)
 * or 23 (integrity constraint: check, not-null, foreign key, unique). Writing the same
 * rows again fails the same way, so the runtime records such a failure instead of
 * retrying it; every other error (a dropped connection, a pool timeout, a serialization
 * failure or lock timeout, an outage) may pass and is retried. Looks through `cause`,
 * so a translated error still answers.
 */
export function isDataError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as Error).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}
