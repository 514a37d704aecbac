import { ErrorCode, TessError } from '../../engine/errors.js';

/** The demo's simulated clients' side of the HTTP API: JSON requests with one bearer token. */

/** A request the API refused, with the HTTP status it answered (a caller may expect one, as a 404). */
export class Refused extends TessError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(ErrorCode.INTERNAL, message);
  }
}

/** An API client of one bearer token; a refusal is an error naming the request and the API's answer. */
export function apiClient(address: string, token: string) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${address}/api/v1/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      let said = text;
      try {
        said = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {}
      throw new Refused(response.status, `${method} /api/v1/${path} refused: ${response.status} ${said}`);
    }
    return JSON.parse(text) as T;
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
