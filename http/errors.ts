import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, TessError, isTessError } from './error-codes.js';
import { isRefusal, translatePgError } from '../storage/index.js';
import { httpStatus } from './status.js';

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

export const fail = (code: ErrorCode, message: string): TessError => new TessError(code, message);

interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** Patterns the schemas use, with what they mean in words. */
export const PATTERN_MEANING: Readonly<Record<string, string>> = {
  '^[0-9]{1,15}$': 'must be a whole number',
  '^-?[0-9]{1,15}$': 'must be an integer',
};

const CONTEXT: Record<string, string> = {
  querystring: 'query',
  params: 'path',
  body: 'body',
  headers: 'header',
};

/** One sentence naming the field and what is wrong with it. */
export function validationMessage(errors: readonly AjvError[], context: string | undefined): string {
  const first = errors[0];
  const root = CONTEXT[context ?? 'body'] ?? context ?? 'body';
  if (!first) return `${root} is invalid`;
  const path = first.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  const at = (extra?: string) => [root, ...path, ...(extra === undefined ? [] : [extra])].join('.');
  const p = first.params;
  switch (first.keyword) {
    case 'required':
      return `${at(String(p['missingProperty']))} is required`;
    case 'additionalProperties':
      return `${at(String(p['additionalProperty']))} is not allowed`;
    case 'type':
      return path.length === 0 && root === 'body'
        ? `body must be a JSON ${String(p['type'])}`
        : `${at()} must be ${p['type'] === 'integer' ? 'an integer' : `a ${String(p['type'])}`}`;
    case 'enum':
      return `${at()} must be one of ${(p['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'pattern':
      return `${at()} ${PATTERN_MEANING[String(p['pattern'])] ?? `must match ${String(p['pattern'])}`}`;
    case 'format':
      return `${at()} must be ${p['format'] === 'date-time' ? 'an ISO-8601 time' : `a ${String(p['format'])}`}`;
    case 'exclusiveMinimum':
      return `${at()} must be greater than ${String(p['limit'])}`;
    case 'minLength':
      return `${at()} must not be empty`;
    case 'maxLength':
      return `${at()} must be at most ${String(p['limit'])} characters`;
    case 'minProperties':
      return `${at()} must have at least ${String(p['limit'])} field${p['limit'] === 1 ? '' : 's'}`;
    case 'minimum':
      return `${at()} must be at least ${String(p['limit'])}`;
    case 'maximum':
      return `${at()} must be at most ${String(p['limit'])}`;
    case 'anyOf':
      return `${at()} has the wrong type`;
    default:
      return `${at()} ${first.message ?? 'is invalid'}`;
  }
}

/**
 * Whether the error handler answers `err` with other words than the database's own:
 * storage translated a refusal, and its cause (PostgreSQL's message) goes to the log.
 */
export const isRewritten = (err: unknown): boolean => isRefusal(err);

/** Turns anything thrown into a code and message of the API's error shape. */
export function describeError(thrown: unknown): { code: ErrorCode; message: string } {
  // Storage translates what it runs; a PostgreSQL error met anywhere else gets the same words.
  const err = translatePgError(thrown);
  if (isTessError(err)) return { code: err.code, message: err.message };
  const e = err as FastifyError & { validationContext?: string; ban?: boolean };
  if (e?.validation) {
    return {
      code: ErrorCode.INVALID,
      message: validationMessage(e.validation as unknown as AjvError[], e.validationContext),
    };
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: ErrorCode.TOO_LARGE, message: 'request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, message: 'request body must be application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: ErrorCode.INVALID, message: 'body is empty but Content-Type is application/json' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: ErrorCode.INVALID, message: `body is not valid JSON: ${e.message}` };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: ErrorCode.INVALID, message: 'Content-Length does not match the body' };
  }
  const status = e?.statusCode;
  if (status === 429) return { code: ErrorCode.RATE_LIMITED, message: e.message || 'rate limit exceeded' };
  if (err instanceof SyntaxError)
    return { code: ErrorCode.INVALID, message: `body is not valid JSON: ${err.message}` };
  if (status === 413) return { code: ErrorCode.TOO_LARGE, message: 'request body is too large' };
  if (status === 415) return { code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, message: e.message };
  if (status === 404) return { code: ErrorCode.NOT_FOUND, message: e.message };
  if (status === 405) return { code: ErrorCode.METHOD_NOT_ALLOWED, message: e.message };
  if (typeof status === 'number' && status >= 400 && status < 500)
    return { code: ErrorCode.INVALID, message: e.message };
  return { code: ErrorCode.INTERNAL, message: 'internal error' };
}

export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply
    .code(httpStatus(code))
    .type('application/json; charset=utf-8')
    .send({ error: { code, message } });
}

/** Installs the error handler that gives every failure the same shape (installNotFound: unknown paths). */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { code, message } = describeError(err);
    const status = httpStatus(code);
    if (status >= 500) request.log.error({ err }, 'request failed');
    else if (isRewritten(err)) request.log.warn({ err }, 'the database refused a value');
    if (code === ErrorCode.RATE_LIMITED) {
      const after = reply.getHeader('retry-after');
      if (after === undefined) reply.header('retry-after', '1');
    }
    return sendError(reply, code, message);
  });
}

/**
 * The answer to a path no route serves, counted first by `limit` (the rate limit of
 * every route: scanners probing for paths are limited like any caller).
 */
export function installNotFound(
  app: FastifyInstance,
  limit?: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  app.setNotFoundHandler(limit ? { preHandler: limit } : {}, (request, reply) =>
    sendError(reply, ErrorCode.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
