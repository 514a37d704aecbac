import { Type } from '@sinclair/typebox';
import { ALERT_STATUSES, ALERT_TYPES, ASSIGNEE_MAX, RESOLUTION_MAX } from '../../engine/gateway/index.js';
import { changeAlert, type Database, TABLES } from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { parseAsof, parseId } from '../query.js';
import type { TypedApp } from '../route-types.js';
import { IdParams, listSchema, OneOf } from '../schemas.js';
import { listPage, registerRowById } from '../table-reads.js';
import { parsePin } from './circuits.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { GATEWAY_BASE } from './paths.js';

const AlertsQuery = Type.Object(
  {
    status: Type.Optional(OneOf(ALERT_STATUSES)),
    type: Type.Optional(OneOf(ALERT_TYPES)),
    circuit: Type.Optional(Type.String({ maxLength: 16, description: "the circuit's PIN" })),
    after: Type.Optional(Type.String({ maxLength: 20 })),
    limit: Type.Optional(Type.String({ maxLength: 10 })),
    asof: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const AlertChangeBody = Type.Object(
  {
    status: Type.Optional(OneOf(ALERT_STATUSES)),
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: ASSIGNEE_MAX })),
    resolution: Type.Optional(Type.String({ minLength: 1, maxLength: RESOLUTION_MAX })),
  },
  { additionalProperties: false },
);

/** The entry id of the circuit with `pin` in the system, as known at the handle's clock (alerts name it). */
async function circuitEntry(db: Database, systemId: number, pin: string): Promise<number> {
  const id = await db.circuit.find({ system_id: systemId, pin });
  const entry = id === null ? null : await db.entryId('circuit', id);
  if (entry === null) throw fail(ErrorCode.NOT_FOUND, `circuit ${pin} not found`);
  return entry;
}

/**
 * The alerts desk over HTTP: the alerts of the caller's system, current versions as of
 * `asof=` (filters on status, type and circuit PIN), one alert by any of its versions' ids,
 * and PUT /{id} to assign and resolve (engine/gateway/alert-desk.ts holds the workflow);
 * each change is the alert's next version, so the desk's history reads back as of any time.
 */
export function registerAlerts(app: TypedApp, ctx: ApiContext): void {
  const url = `${GATEWAY_BASE}/alerts`;
  const tags = ['gateway'];
  const def = TABLES.alert;

  app.route({
    method: 'GET',
    url,
    config: { access: { resource: 'alert', op: 'read' } },
    schema: {
      tags,
      summary: "the system's alerts (status=, type=, circuit=PIN, after=, limit=, asof=)",
      querystring: AlertsQuery,
      response: { 200: listSchema(def), '4xx': Type.Ref('Error') },
    },
    handler: async (request) => {
      const { status, type, circuit } = request.query;
      const asof = parseAsof(request.query.asof, ctx.now());
      const db = asof ? ctx.db.at(asof) : ctx.db;
      const systemId = request.principal!.systemId;
      const where: Record<string, unknown> = { system_id: systemId };
      if (status !== undefined) where['status'] = status;
      if (type !== undefined) where['type'] = type;
      if (circuit !== undefined) {
        where['circuit_id'] = await circuitEntry(db, systemId, parsePin(circuit, 'query.circuit'));
      }
      return listPage(db, def, request.query, where);
    },
  });

  registerRowById(app, ctx, {
    name: 'alert',
    url: `${url}/:id`,
    tags,
    config: { access: { resource: 'alert', op: 'read' } },
    answer: async (request, found) => {
      if (found['system_id'] !== request.principal!.systemId) {
        throw fail(ErrorCode.NOT_FOUND, `alert ${found['alert_id']} not found`);
      }
      return found;
    },
  });

  app.route({
    method: 'PUT',
    url: `${url}/:id`,
    config: { access: { resource: 'alert', op: 'write' } },
    schema: {
      tags,
      summary: 'assign (open → pending) or resolve (with a resolution) an alert; {id}: any version of it',
      params: IdParams,
      body: AlertChangeBody,
      response: { 200: Type.Ref('alertRow'), '4xx': Type.Ref('Error') },
    },
    handler: async (request) =>
      changeAlert(ctx.db, request.principal!.systemId, parseId(request.params.id, 'path.id'), request.body),
  });
}
