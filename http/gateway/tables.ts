import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { TABLES, type TableDef } from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { columnFilters, parseAsof } from '../query.js';
import { isOwnAccess } from '../rights.js';
import type { TypedApp } from '../route-types.js';
import { addSchema, bodySchema, changeSchema, listSchema, tableQuerySchema } from '../schemas.js';
import { findOrList, registerRowById, tableOf } from '../table-reads.js';
import { assertOwnsGatewayRow } from './ownership.js';
import { GATEWAY_BASE, GATEWAY_PATHS, type GatewayResourceTable } from './paths.js';
import { addCircuit } from './pins.js';
import { checkGatewayWrite } from './table-checks.js';

type Values = Record<string, unknown>;

/** Tables a customer may own a row of (ownership.ts); the others only staff reach. */
const OWNABLE = (name: GatewayResourceTable): name is 'account' | 'circuit' =>
  name === 'account' || name === 'circuit';

/** Tables of a system: system_id defaults to the caller's. */
const SYSTEM_SCOPED: ReadonlySet<GatewayResourceTable> = new Set([
  'field_meter',
  'circuit',
  'communication_interface',
]);

/** A circuit's PIN is drawn by TESS (pins.ts): an add leaves it out. */
const addDef = (def: TableDef): TableDef =>
  def.name === 'circuit' ? { ...def, columns: def.columns.filter((c) => c.name !== 'pin') } : def;

function withSystem(request: FastifyRequest, name: GatewayResourceTable, body: Values): Values {
  const out = { ...body };
  if (SYSTEM_SCOPED.has(name) && out['system_id'] == null && request.principal) {
    out['system_id'] = request.principal.systemId;
  }
  return out;
}

/**
 * Limits a list to the caller's system, and a customer's to their own: their account, or
 * the circuits of one of their devices (device_id=, as the TESS device-owned tables ask).
 */
async function scope(ctx: ApiContext, request: FastifyRequest, name: GatewayResourceTable, filters: Values) {
  const principal = request.principal;
  if (!principal) return;
  if (SYSTEM_SCOPED.has(name) && filters['system_id'] === undefined)
    filters['system_id'] = principal.systemId;
  if (!isOwnAccess(request.access) || !OWNABLE(name)) return;
  // An account is the caller's own by default; circuits are listed per device.
  if (name === 'account' && filters['user_id'] === undefined) filters['user_id'] = principal.userId;
  const owner = name === 'account' ? 'user_id' : 'device_id';
  if (filters[owner] === undefined) {
    throw fail(ErrorCode.FORBIDDEN, 'list the circuits of one of your devices: add device_id=');
  }
  await assertOwnsGatewayRow(ctx.db, request, name, filters, `${name} of ${owner} ${filters[owner]}`);
}

/**
 * Field meters, accounts and circuits as resources under /api/v1/gateway, with the
 * conventions of the TESS tables' (resources.ts): POST adds, PUT changes (the body names
 * the entry by its natural key), GET lists current entries (after=, limit=, asof=, column
 * filters; every key column given: that one entry) and GET /{id} reads a row as of asof=.
 * A circuit is read by its PIN instead (circuit-state.ts), the name it is known by.
 */
export function registerGatewayTables(app: TypedApp, ctx: ApiContext): void {
  for (const [name, segment] of Object.entries(GATEWAY_PATHS) as [GatewayResourceTable, string][]) {
    const def = TABLES[name];
    const path = `${GATEWAY_BASE}/${segment}`;
    const tags = ['gateway'];
    const row = Type.Ref(`${name}Row`);
    const errors = { '4xx': Type.Ref('Error') };
    const addSummary = `add a ${name}${name === 'circuit' ? ' (TESS draws its PIN)' : ''}`;
    const defaulted = SYSTEM_SCOPED.has(name) ? ['system_id'] : [];
    const own = (request: FastifyRequest, found: Values) =>
      !OWNABLE(name)
        ? Promise.resolve()
        : assertOwnsGatewayRow(ctx.db, request, name, found, `${name} ${found[def.id]}`);

    app.route({
      method: 'POST',
      url: path,
      config: { access: { resource: name, op: 'write' } },
      schema: addSchema(def, tags, bodySchema(addDef(def), true, defaulted), addSummary),
      handler: async (request, reply) => {
        const body = withSystem(request, name, request.body as Values);
        const systemId = request.principal!.systemId;
        await checkGatewayWrite(ctx.db, name, body, systemId);
        const added =
          name === 'circuit'
            ? await addCircuit(ctx.db, body as Values & { system_id: number })
            : await tableOf(ctx.db, name).add(body);
        return reply.code(201).send(added);
      },
    });

    app.route({
      method: 'PUT',
      url: path,
      config: { access: { resource: name, op: 'write' } },
      schema: changeSchema(def, tags, bodySchema(def, false, defaulted)),
      handler: async (request) => {
        const body = withSystem(request, name, request.body as Values);
        await checkGatewayWrite(ctx.db, name, body, request.principal!.systemId);
        return tableOf(ctx.db, name).set(body);
      },
    });

    if (name !== 'circuit')
      registerRowById(app, ctx, {
        name,
        url: `${path}/:id`,
        tags,
        config: { access: { resource: name, op: 'read' } },
        answer: async (request, found) => {
          await own(request, found);
          return found;
        },
      });

    app.route({
      method: 'GET',
      url: path,
      config: { access: { resource: name, op: 'read' } },
      schema: {
        tags,
        summary: `find one ${name} (every natural key field: ${def.key.join(', ')}) or list current entries`,
        querystring: tableQuerySchema(def),
        response: { 200: Type.Union([row, listSchema(def)]), ...errors },
      },
      handler: async (request, reply) => {
        reply.serializer(JSON.stringify);
        const query = request.query;
        const asof = parseAsof(query['asof'], ctx.now());
        const filters = columnFilters(def, query);
        await scope(ctx, request, name, filters);
        const db = asof ? ctx.db.at(asof) : ctx.db;
        return findOrList(db, def, query, filters, {
          notFound: name,
          one: async (found) => {
            await own(request, found);
            return found;
          },
        });
      },
    });
  }
}
