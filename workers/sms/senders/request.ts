import { failure, oneLine } from './outcome.js';
import type { SendFailure } from './sender.js';

/**
 * One HTTP request to a provider: no redirects followed (a provider that redirects is
 * configured with the wrong URL, and a redirect must not carry our credentials elsewhere),
 * the answer read up to ANSWER_MAX_BYTES (all we need is a status, an id or an error
 * sentence), and every way of getting no answer turned into a retryable SendFailure.
 */

/** Most of an answer read; the rest is discarded. */
export const ANSWER_MAX_BYTES = 64 * 1024;

export interface ProviderAnswer {
  readonly ok: true;
  readonly status: number;
  readonly text: string;
}

export interface ProviderRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | URLSearchParams;
}

export async function providerRequest(
  url: string,
  request: ProviderRequest,
  signal: AbortSignal,
  secret: string | undefined,
): Promise<ProviderAnswer | SendFailure> {
  try {
    const response = await fetch(url, { ...request, signal, redirect: 'manual' });
    const text = await readBounded(response);
    if (response.status >= 300 && response.status < 400) {
      // Not retried: the same URL will redirect again.
      const location = redact(response.headers.get('location') ?? 'elsewhere', secret);
      return failure(false, `HTTP ${response.status}: redirected to ${location}`, response.status);
    }
    return { ok: true, status: response.status, text };
  } catch (error) {
    return unanswered(error, signal, secret);
  }
}

/** The secret, as written and as URL-encoded, replaced: Kannel's password travels in the query. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.replaceAll(secret, '***').replaceAll(encodeURIComponent(secret), '***');
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < ANSWER_MAX_BYTES) {
    const { done, value } = await reader.read();
    if (done) return decode(chunks, size);
    chunks.push(value);
    size += value.byteLength;
  }
  // Cancelling frees the connection without reading the rest.
  await reader.cancel().catch(() => {});
  return decode(chunks, ANSWER_MAX_BYTES);
}

function decode(chunks: readonly Uint8Array[], size: number): string {
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, size));
}

/**
 * No answer: the deadline passed, the caller gave up, or the network failed (fetch
 * reports those as TypeError with the socket's error as its cause). Anything else is a
 * bug and is thrown.
 */
function unanswered(error: unknown, signal: AbortSignal, secret: string | undefined): SendFailure {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return failure(true, timedOut ? reason.message : 'aborted before the provider answered', null);
  }
  if (error instanceof TypeError) {
    const cause: unknown = error.cause;
    const detail = cause instanceof Error ? cause.message : error.message;
    return failure(true, `no answer: ${oneLine(redact(detail, secret))}`, null);
  }
  throw error;
}
