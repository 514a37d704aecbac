import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio signs each webhook request: X-Twilio-Signature is base64(HMAC-SHA1(auth token,
 * the full URL it requested followed by every POST parameter's name and value, names in
 * sorted order)). Checking it proves the request came from the account that holds the
 * token, whatever address it came from.
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Readonly<Record<string, string>>,
): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, name) => text + name + params[name], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Whether two secrets are equal, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const da = createHmac('sha256', 'tess').update(a).digest();
  const db = createHmac('sha256', 'tess').update(b).digest();
  return timingSafeEqual(da, db);
}
