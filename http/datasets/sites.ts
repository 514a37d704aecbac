import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { checkSiteId } from '../../engine/datasets/index.js';
import { checkTimeZone } from '../../engine/gateway/index.js';
import { type ClientInfoTableName, currentSite, type Database, TABLES } from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { BASE } from '../paths.js';
import { columnFilters, parseAsof } from '../query.js';
import type { TypedApp } from '../route-types.js';
import { addSchema, bodySchema, changeSchema, listSchema, tableQuerySchema } from '../schemas.js';
import { findOrList, registerRowById, tableOf } from '../table-reads.js';

type Values = Record<string, unknown>;

/** The clients' tables served as resources, and their paths under /api/v1. */
export const CLIENT_INFO_PATHS = { clients: 'clients', site_info: 'sites' } as const satisfies Record<
  ClientInfoTableName,
  string
>;

/** Both tables are of a system: the caller's, unless named. */
function withSystem(request: FastifyRequest, body: Values): Values {
  return body['system_id'] == null && request.principal
    ? { ...body, system_id: request.principal.systemId }
    : body;
}

/**
 * What a write checks beyond the table definition: the site id's form (seed 002), the
 * time zone, coordinates on the globe, a client of the same system, and for a change
 * that the entry is the caller's system's.
 */
async function checkWrite(
  db: Database,
  name: ClientInfoTableName,
  body: Values,
  systemId: number,
  change: boolean,
) {
  if (body['system_id'] !== undefined && body['system_id'] !== systemId) {
    throw fail(ErrorCode.FORBIDDEN, `body.system_id: ${name} of another system`);
  }
  if (name === 'clients') {
    if (change && (await db.clients.find({ system_id: systemId, name: body['name'] })) === null) {
      throw fail(ErrorCode.NOT_FOUND, `client ${String(body['name'])} not found`);
    }
    return;
  }
  if (typeof body['site_id'] === 'string') checkSiteId(body['site_id'], 'body.site_id');
  if (typeof body['time_zone'] === 'string') checkTimeZone(body['time_zone'], 'body.time_zone');
  for (const [field, limit] of [
    ['latitude', 90],
    ['longitude', 180],
  ] as const) {
    const v = body[field];
    if (typeof v === 'number' && !(v >= -limit && v <= limit)) {
      throw fail(ErrorCode.INVALID, `body.${field} must be from -${limit} to ${limit}, not ${v}`);
    }
  }
  if (typeof body['client_id'] === 'number') {
    const client = await db.current('clients', body['client_id']);
    if (!client || client.system_id !== systemId) {
      throw fail(
        ErrorCode.INVALID,
        `body.client_id: client ${body['client_id']} is not a client of this system`,
      );
    }
  }
  if (change && typeof body['site_id'] === 'string') {
    const site = await currentSite(db, body['site_id']);
    if (!site || site.system_id !== systemId)
      throw fail(ErrorCode.NOT_FOUND, `site ${body['site_id']} not found`);
  }
}

/**
 * Clients and their sites as resources under /api/v1 (`clients`, `sites`), with the
 * conventions of every table resource: POST adds, PUT changes (the body names the entry
 * by its natural key: a client by name, a site by site_id), GET lists the system's
 * current entries (after=, limit=, asof=, column filters; every key column: that one)
 * and GET /{id} reads a row as of asof=.
 */
export function registerSites(app: TypedApp, ctx: ApiContext): void {
  for (const [name, segment] of Object.entries(CLIENT_INFO_PATHS) as [ClientInfoTableName, string][]) {
    const def = TABLES[name];
    const path = `${BASE}/${segment}`;
    const tags = ['datasets'];
    const row = Type.Ref(`${name}Row`);
    const errors = { '4xx': Type.Ref('Error') };
    const mine = (request: FastifyRequest, found: Values) => {
      if (found['system_id'] !== request.principal!.systemId)
        throw fail(ErrorCode.NOT_FOUND, `${name} ${found[def.id]} not found`);
      return Promise.resolve(found);
    };

    app.route({
      method: 'POST',
      url: path,
      config: { access: { resource: name, op: 'write' } },
      schema: addSchema(
        def,
        tags,
        bodySchema(def, true, ['system_id']),
        `add a ${name === 'clients' ? 'client' : 'site'}`,
      ),
      handler: async (request, reply) => {
        const body = withSystem(request, request.body as Values);
        await checkWrite(ctx.db, name, body, request.principal!.systemId, false);
        return reply.code(201).send(await tableOf(ctx.db, name).add(body));
      },
    });

    app.route({
      method: 'PUT',
      url: path,
      config: { access: { resource: name, op: 'write' } },
      schema: changeSchema(def, tags, bodySchema(def, false, ['system_id'])),
      handler: async (request) => {
        const body = withSystem(request, request.body as Values);
        await checkWrite(ctx.db, name, body, request.principal!.systemId, true);
        return tableOf(ctx.db, name).set(body);
      },
    });

    registerRowById(app, ctx, {
      name,
      url: `${path}/:id`,
      tags,
      config: { access: { resource: name, op: 'read' } },
      answer: mine,
    });

    app.route({
      method: 'GET',
      url: path,
      config: { access: { resource: name, op: 'read' } },
      schema: {
        tags,
        summary: `find one ${name} (every natural key field: ${def.key.join(', ')}) or list the system's`,
        querystring: tableQuerySchema(def),
        response: { 200: Type.Union([row, listSchema(def)]), ...errors },
      },
      handler: async (request, reply) => {
        reply.serializer(JSON.stringify);
        const query = request.query;
        const asof = parseAsof(query['asof'], ctx.now());
        const filters = { ...columnFilters(def, query), system_id: request.principal!.systemId };
        const db = asof ? ctx.db.at(asof) : ctx.db;
        return findOrList(db, def, query, filters, { notFound: name, one: (found) => mine(request, found) });
      },
    });
  }
}
