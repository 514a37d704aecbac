import { ErrorCode as DomainCode, TessError as DomainError } from '../engine/errors.js';

/**
 * Codes only a request can earn: about credentials, rights, and the request as HTTP
 * sees it (rate, size, media type, method). The market, storage and runtime never raise
 * them, so they live here and not with the domain's codes (engine/errors.ts).
 */
export const HttpErrorCode = {
  /** A missing, malformed, unknown or revoked bearer token. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** A valid token whose role or ownership does not cover the request. */
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_LARGE: 'TOO_LARGE',
  /** A request body in a format the API does not read (not JSON). */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
} as const;

/** Every code the API answers with: the domain's and HTTP's own. */
export const ErrorCode = { ...DomainCode, ...HttpErrorCode } as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A TessError as the HTTP layer raises it: its code may also be one of HTTP's own. */
export class TessError extends DomainError<ErrorCode> {}

/** Any TessError, whichever layer threw it (a domain code is also an API code). */
export const isTessError = (e: unknown): e is TessError => e instanceof DomainError;
