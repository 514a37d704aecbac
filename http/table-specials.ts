import type { TObject, TSchema, TString } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { TypedRequest } from './route-types.js';
import type { TableQuery } from './schemas.js';

/**
 * What a table does differently from the generic resource (resources.ts). The generic
 * routes are built from storage's TABLES at start, so their schemas are plain TObjects
 * and their requests are typed no closer than Record<string, unknown> (bodies) or
 * Record<string, string | undefined> (queries); a special route brings its own schema,
 * and its handler is typed by it.
 */
export interface TableSpecials {
  /** Replaces POST. */
  readonly add?: SpecialWrite;
  /** Replaces PUT. */
  readonly set?: SpecialWrite;
  /** Extra query parameters of the collection GET, and a handler that answers when it recognizes them (else undefined). */
  readonly query?: SpecialQuery;
  /** Route config added to every GET of this table (rate limits of public reads). */
  readonly readConfig?: Record<string, unknown>;
}

/** A POST or PUT of a table in place of the generic one. */
export interface SpecialWrite<B extends TObject = TObject> {
  readonly body: B;
  readonly responses?: Record<number, TSchema>;
  // A method, so that a write typed by its own body is a SpecialWrite of any body: the
  // route validates the body against `body` before the handler runs (specialWrite ties them).
  handler(request: TypedRequest<{ body: B }>, reply: FastifyReply): Promise<unknown>;
}

/** A special write whose handler's request is typed by its body schema. */
export const specialWrite = <B extends TObject>(write: SpecialWrite<B>): SpecialWrite => write;

export interface SpecialQuery {
  readonly params: Record<string, TString>;
  handler(request: TypedRequest<{ querystring: TableQuery }>, reply: FastifyReply): Promise<unknown>;
}
