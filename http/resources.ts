import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ErrorCode, isTessError } from './error-codes.js';
import { type Database, type Span, TABLE_ORDER, TABLES, type TessTableName } from '../storage/index.js';
import { findOrList, registerRowById, tableOf } from './table-reads.js';
import { assertOwns } from './auth.js';
import type { ApiContext } from './context.js';
import { fail } from './errors.js';
import { BASE, SYSTEM_SCOPED, TABLE_PATHS } from './paths.js';
import { DEVICE_OWNED, isOwnAccess, OWNED_OVER_TIME, USER_OWNED } from './rights.js';
import { columnFilters, parseAsof } from './query.js';
import type { TypedApp } from './route-types.js';
import { addSchema, bodySchema, changeSchema, listSchema, rowSchema, tableQuerySchema } from './schemas.js';
import type { TableSpecials } from './table-specials.js';

type Values = Record<string, unknown>;

/** Changes to these tables can change who a token stands for, or a system's interval. */
const INVALIDATES: ReadonlySet<TessTableName> = new Set(['token', 'user', 'device', 'config']);

const label = (name: TessTableName, row: Values): string =>
  TABLES[name].label
    .map((k) => (row[k] instanceof Date ? (row[k] as Date).toISOString() : String(row[k])))
    .join(' ');

/**
 * Fills system_id from the caller on tables of a system; own-access callers are limited
 * to their own entries. For history (orders, readings) answers the spans of time in
 * which the device was the caller's, as known at `asof`: the list keeps the entries
 * begun within them.
 */
async function scopeFilters(
  ctx: ApiContext,
  request: FastifyRequest,
  name: TessTableName,
  filters: Values,
  asof: Date | null,
): Promise<Span[] | undefined> {
  const principal = request.principal;
  if (!principal) return undefined;
  if (SYSTEM_SCOPED.has(name) && filters['system_id'] === undefined)
    filters['system_id'] = principal.systemId;
  if (request.access !== 'own' && request.access !== 'own-read') return undefined;
  if (USER_OWNED.has(name)) {
    if (filters['user_id'] === undefined) filters['user_id'] = principal.userId;
    else await assertOwns(ctx.db, request, name, filters);
    return undefined;
  }
  if (!DEVICE_OWNED.has(name)) return undefined;
  if (principal.deviceId !== null && filters['device_id'] === undefined)
    filters['device_id'] = principal.deviceId;
  const device = filters['device_id'];
  if (device === undefined) {
    throw fail(ErrorCode.FORBIDDEN, `list ${TABLE_PATHS[name]} of one of your devices: add device_id=`);
  }
  if (!OWNED_OVER_TIME.has(name) || principal.actor === 'DEVICE') {
    await assertOwns(ctx.db, request, name, filters);
  }
  if (!OWNED_OVER_TIME.has(name)) return undefined;
  if (typeof device !== 'number') throw fail(ErrorCode.FORBIDDEN, `this ${name} is not yours`);
  const spans = await ctx.db.ownershipSpans(device, principal.userId, asof);
  if (spans.length === 0) {
    throw fail(ErrorCode.FORBIDDEN, `the ${TABLE_PATHS[name]} of device ${device} are not yours`);
  }
  return spans;
}

/** Whether a table's entries are named by a unique_id that TESS generates when none is given. */
const generatedKey = (name: TessTableName): boolean =>
  TABLES[name].key.length === 1 && TABLES[name].key[0] === 'unique_id';

/** Turns a refusal of someone else's entry named by a generated unique_id into storage's "not found". */
async function hideOthers(name: TessTableName, check: Promise<void>, body: Values): Promise<void> {
  try {
    await check;
  } catch (err) {
    if (generatedKey(name) && isTessError(err) && err.code === ErrorCode.FORBIDDEN) {
      throw fail(ErrorCode.NOT_FOUND, `${label(name, body)} not found`);
    }
    throw err;
  }
}

/** A row as answered (a token without its secret's hash). */
export function shown(name: TessTableName, row: Values): Values {
  if (name !== 'token') return row;
  const { secret_hash: _hidden, ...rest } = row;
  return rest;
}

/**
 * The generic resource of every table, driven by storage's TABLES: POST add, GET by id,
 * GET find (all natural key fields given) or list (cursor paging), PUT set. Tables whose
 * rows are final answer 405 IMMUTABLE to PUT, PATCH and DELETE.
 */
export function registerTables(
  app: TypedApp,
  ctx: ApiContext,
  specials: Partial<Record<TessTableName, TableSpecials>>,
): void {
  for (const def of Object.values(TABLES)) app.addSchema(rowSchema(def));

  for (const name of TABLE_ORDER) {
    const def = TABLES[name];
    const path = `${BASE}/${TABLE_PATHS[name]}`;
    const special = specials[name] ?? {};
    const table = (db: Database) => tableOf(db, name);
    const tags = [TABLE_PATHS[name]];
    const row = Type.Ref(`${name}Row`);
    const errors = { '4xx': Type.Ref('Error') };
    const defaulted = SYSTEM_SCOPED.has(name) ? ['system_id'] : [];

    if (def.settable)
      app.route({
        method: 'POST',
        url: path,
        config: { access: { resource: name, op: 'write' } },
        schema: addSchema(
          def,
          tags,
          special.add?.body ?? bodySchema(def, true, defaulted),
          `add a ${name}`,
          special.add?.responses,
        ),
        handler:
          special.add?.handler ??
          (async (request, reply) => {
            const body: Values = { ...request.body };
            if (SYSTEM_SCOPED.has(name) && body['system_id'] == null && request.principal) {
              body['system_id'] = request.principal.systemId;
            }
            // An entry named by a generated unique_id (a device) is named by TESS for callers
            // limited to their own entries: an id of their choosing could be another's, and
            // "exists" would confirm it.
            if (generatedKey(name) && isOwnAccess(request.access) && body['unique_id'] != null) {
              throw fail(
                ErrorCode.FORBIDDEN,
                `body.unique_id: a ${name} of yours is named by TESS; leave unique_id out`,
              );
            }
            await assertOwns(ctx.db, request, name, body);
            const added = await table(ctx.db).add(body);
            if (INVALIDATES.has(name)) await ctx.directory.invalidate(request.log);
            return reply.code(201).send(shown(name, added));
          }),
      });

    registerRowById(app, ctx, {
      name,
      url: `${path}/:id`,
      tags,
      config: { access: { resource: name, op: 'read' }, ...special.readConfig },
      answer: async (request, found) => {
        await assertOwns(ctx.db, request, name, found);
        return shown(name, found);
      },
    });

    app.route({
      method: 'GET',
      url: path,
      config: { access: { resource: name, op: 'read' }, ...special.readConfig },
      schema: {
        tags,
        summary: `find one ${name} (every natural key field: ${def.key.join(', ') || 'none'}) or list current entries`,
        querystring: tableQuerySchema(def, special.query?.params),
        response: { 200: Type.Union([row, listSchema(def), Type.Any()]), ...errors },
      },
      handler: async (request, reply) => {
        // The answer's shape varies (a row, a page, a special view): serialized as is.
        reply.serializer(JSON.stringify);
        if (special.query) {
          const answered = await special.query.handler(request, reply);
          if (answered !== undefined) return answered;
        }
        const query = request.query;
        const asof = parseAsof(query['asof'], ctx.now());
        const filters = columnFilters(def, query);
        const spans = await scopeFilters(ctx, request, name, filters, asof);
        const db = asof ? ctx.db.at(asof) : ctx.db;
        return findOrList(db, def, query, filters, {
          notFound: label(name, filters),
          one: async (found) => {
            await assertOwns(ctx.db, request, name, found);
            return shown(name, found);
          },
          show: (r) => shown(name, r),
          begunWithin: spans,
        });
      },
    });

    if (!def.settable) {
      // Final rows (prices, money, the log) are written by the market runtime only, through
      // storage: an API write of one, even an administrator's, would forge history (a
      // price for a future interval served as current, a transaction on another's order).
      // Every write is IMMUTABLE, before authentication, as storage says; PATCH answers the
      // same, so that the 405s the server adds for unserved methods never list a write in Allow.
      app.route({
        method: ['POST', 'PUT', 'PATCH', 'DELETE'],
        url: path,
        schema: { tags, summary: `${name} rows are final: 405 IMMUTABLE`, response: errors },
        handler: async (_request, reply) => {
          reply.header('allow', 'GET');
          throw fail(
            ErrorCode.IMMUTABLE,
            `${name} rows are written by the market runtime only: ${def.finalReason}`,
          );
        },
      });
      continue;
    }
    app.route({
      method: 'PUT',
      url: path,
      config: { access: { resource: name, op: 'write' } },
      schema: changeSchema(def, tags, special.set?.body ?? bodySchema(def, false, defaulted)),
      handler:
        special.set?.handler ??
        (async (request) => {
          const body: Values = { ...request.body };
          if (SYSTEM_SCOPED.has(name) && body['system_id'] == null && request.principal) {
            body['system_id'] = request.principal.systemId;
          }
          if (request.access === 'own') {
            const key = Object.fromEntries(def.key.map((k) => [k, body[k]]));
            const id = await table(ctx.db).find(key);
            const current = id === null ? null : await table(ctx.db).get(id);
            // Someone else's entry named by a unique_id is answered as if there were none
            // (a 403 would confirm that the id exists), and one that is not there the same way.
            if (current) await hideOthers(name, assertOwns(ctx.db, request, name, current), body);
            else if (generatedKey(name)) throw fail(ErrorCode.NOT_FOUND, `${label(name, body)} not found`);
            await assertOwns(ctx.db, request, name, { ...current, ...body });
          }
          const changed = await table(ctx.db).set(body);
          if (INVALIDATES.has(name)) await ctx.directory.invalidate(request.log);
          return shown(name, changed);
        }),
    });
  }
}
