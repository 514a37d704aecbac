import type { SendFailure, SendOutcome } from './sender.js';

/**
 * How a provider's trouble becomes a SendFailure. One rule for every provider: what may
 * pass on a later try (no answer, a timeout, 408, 429, 5xx) is retried; any other
 * refusal is the provider's final word and is not.
 */

/** Longest reason kept: enough for a provider's error sentence, bounded for the attempt row. */
export const REASON_MAX = 300;
/** Longest provider id kept; a longer one is not an id we can store. */
export const PROVIDER_ID_MAX = 128;

export const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/** Text from outside on one line, without control characters, at most REASON_MAX characters. */
export function oneLine(text: string): string {
  const line = text
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > REASON_MAX ? `${line.slice(0, REASON_MAX - 1)}…` : line;
}

export function failure(retry: boolean, reason: string, httpStatus: number | null): SendFailure {
  return Object.freeze({ ok: false, retry, reason: oneLine(reason), httpStatus });
}

/** An answer that is not a 2xx, with the provider's own error text when it gave one. */
export function httpFailure(status: number, detail: string): SendFailure {
  const text = oneLine(detail);
  return failure(retryable(status), text ? `HTTP ${status}: ${text}` : `HTTP ${status}`, status);
}

export function sent(providerId: string | null, httpStatus: number | null): SendOutcome {
  return Object.freeze({ ok: true, providerId, httpStatus });
}

/** A provider's id of a message when it is a plain string or number we can store, else null. */
export function providerIdOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string' || value === '' || value.length > PROVIDER_ID_MAX) return null;
  return /^[\x21-\x7e]+$/.test(value) ? value : null;
}

/** The JSON of an answer, or null when it is none. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A field of a JSON object, or undefined when the value is not one. */
export function fieldOf(json: unknown, name: string): unknown {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as Record<string, unknown>)[name]
    : undefined;
}
