import { Type } from '@sinclair/typebox';
import { JOB_STATES } from '../../engine/gateway/index.js';
import { acknowledgeJob, listJobs, pullJobs, TABLES } from '../../storage/index.js';
import type { ApiContext } from '../context.js';
import { ErrorCode } from '../error-codes.js';
import { fail } from '../errors.js';
import { parseAsof, parseCursor, parseId, parseLimit } from '../query.js';
import type { TypedApp } from '../route-types.js';
import { IdParams, Nullable, OneOf, rowSchema } from '../schemas.js';
import { callingMeter } from './calling-meter.js';
import { parsePin } from './circuits.js';
import { GATEWAY_BASE } from './paths.js';

/** A job as the API shows it: its row, and the PIN and present address of its circuit. */
const { $id: _, ...jobRow } = rowSchema(TABLES.job);
const JobView = Type.Object(
  { ...jobRow.properties, pin: Type.String(), ip_address: Nullable(Type.String()) },
  { additionalProperties: false },
);

const JobsQuery = Type.Object(
  {
    circuit: Type.Optional(Type.String({ maxLength: 16, description: "the circuit's PIN" })),
    state: Type.Optional(OneOf(JOB_STATES)),
    after: Type.Optional(Type.String({ maxLength: 20 })),
    limit: Type.Optional(Type.String({ maxLength: 10 })),
    asof: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** What a meter says of a job it ran; its credit is the same range as a log's. */
const AckBody = Type.Object(
  {
    status: Type.String({ minLength: 1, maxLength: 64, description: "the meter's word for the outcome" }),
    credit: Type.Optional(
      Type.Number({ minimum: -1e9, maximum: 1e9, description: 'AddCredit: the credit the meter now shows' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Control jobs: operators list them; a field meter pulls its own (they become sent) and
 * acknowledges each (idempotent), with its device token. The queueing, resends and
 * failures are the runtime's (storage/gateway/alert-pass.ts); the protocol of a pull and
 * an acknowledgement is storage/gateway/jobs.ts's.
 */
export function registerJobs(app: TypedApp, ctx: ApiContext): void {
  const tags = ['gateway'];
  const errors = { '4xx': Type.Ref('Error') };

  app.route({
    method: 'GET',
    url: `${GATEWAY_BASE}/jobs`,
    config: { access: { resource: 'job', op: 'read' } },
    schema: {
      tags,
      summary: "the system's control jobs (circuit=PIN, state=, after=, limit=, asof=)",
      querystring: JobsQuery,
      response: {
        200: Type.Object({ items: Type.Array(JobView), next: Nullable(Type.Integer()) }),
        ...errors,
      },
    },
    handler: async (request) => {
      const { query } = request;
      const asof = parseAsof(query.asof, ctx.now());
      const limit = parseLimit(query.limit);
      const items = await listJobs(asof ? ctx.db.at(asof) : ctx.db, {
        systemId: request.principal!.systemId,
        pin: query.circuit === undefined ? undefined : parsePin(query.circuit, 'query.circuit'),
        state: query.state,
        after: parseCursor(query.after),
        limit,
      });
      const last = items[items.length - 1];
      return { items, next: items.length === limit && last ? last.job_id : null };
    },
  });

  app.route({
    method: 'GET',
    url: `${GATEWAY_BASE}/meters/:id/jobs`,
    config: { access: { resource: 'meter_job', op: 'write' } },
    schema: {
      tags,
      summary: 'a field meter pulls its pending jobs with its device token (they become sent)',
      params: IdParams,
      response: { 200: Type.Object({ items: Type.Array(JobView) }), ...errors },
    },
    handler: async (request, reply) => {
      const named = parseId(request.params.id, 'path.id');
      const meter = await callingMeter(ctx.db, request, 'jobs are pulled');
      const entry = await ctx.db.entryId('field_meter', meter.field_meter_id);
      if ((await ctx.db.entryId('field_meter', named)) !== entry) {
        throw fail(
          ErrorCode.FORBIDDEN,
          `this device token is field meter ${meter.name}'s, not field meter ${named}'s`,
        );
      }
      // Pulling changes what the next pull answers: never from a cache.
      reply.header('cache-control', 'no-store');
      return { items: await pullJobs(ctx.db, entry ?? meter.field_meter_id, ctx.now()) };
    },
  });

  app.route({
    method: 'POST',
    url: `${GATEWAY_BASE}/jobs/:id/ack`,
    config: { access: { resource: 'meter_job', op: 'write' } },
    schema: {
      tags,
      summary: "a field meter acknowledges a job it was sent (idempotent); {id}: the job's id as pulled",
      params: IdParams,
      body: AckBody,
      response: { 200: Type.Ref('jobRow'), ...errors },
    },
    handler: async (request) => {
      const id = parseId(request.params.id, 'path.id');
      const meter = await callingMeter(ctx.db, request, 'jobs are acknowledged');
      const job = await ctx.db.job.get(id);
      if (!job) throw fail(ErrorCode.NOT_FOUND, `job ${id} not found`);
      const entry = (await ctx.db.entryId('field_meter', meter.field_meter_id)) ?? meter.field_meter_id;
      const { status, credit } = request.body;
      return acknowledgeJob(ctx.db, entry, job.unique_id, {
        status,
        ...(credit === undefined ? {} : { credit }),
      });
    },
  });
}
