import { ErrorCode, TessError } from '../../engine/errors.js';
import { lockKey } from '../advisory-lock.js';
import type { Database } from '../database.js';
import type { Queryable } from '../queries/current.js';
import type { JobRow } from '../rows.js';
import { CIRCUIT_NOW } from './circuit-now.js';

/**
 * A field meter's side of control jobs: it pulls its pending jobs (each becomes sent, with
 * one more send and the time), then acknowledges each. Both run in one transaction under
 * the meter's lock, so two pulls at once never send a job twice.
 */

const lockMeter = (client: Queryable, fieldMeterId: number) =>
  lockKey(client, `tess:gateway-meter:${fieldMeterId}`);

/**
 * The current version of each job of the meter's circuits in `states` (one job: `$3`),
 * oldest first, with the circuit's PIN and present address (what the meter switches by).
 */
const JOBS_OF_METER = `
  SELECT j.*, cur.pin, cur.ip_address
  FROM (SELECT DISTINCT ON (unique_id) * FROM gateway.job
        WHERE circuit_id IN (SELECT circuit_id FROM gateway.circuit WHERE field_meter_id = $1)
          AND ($3::text IS NULL OR unique_id = $3)
        ORDER BY unique_id, created DESC, job_id DESC) j
  CROSS JOIN LATERAL ${CIRCUIT_NOW('j.circuit_id')}
  WHERE j.state = ANY($2::text[]) ORDER BY j.job_id`;

/** A job as the meter is handed it. */
export interface MeterJob extends JobRow {
  readonly pin: string;
  readonly ip_address: string | null;
}

/** Hands the meter its pending jobs and marks them sent at `now`. */
export async function pullJobs(db: Database, fieldMeterId: number, now: Date): Promise<MeterJob[]> {
  return db.withTransaction(async (tx, client) => {
    await lockMeter(client, fieldMeterId);
    const { rows } = await client.query(JOBS_OF_METER, [fieldMeterId, ['pending'], null]);
    const pending = rows as MeterJob[];
    if (pending.length === 0) return [];
    await tx.job.setMany(
      pending.map((j) => ({ unique_id: j.unique_id, state: 'sent', sends: j.sends + 1, sent_at: now })),
    );
    const { rows: sent } = await client.query(JOBS_OF_METER, [fieldMeterId, ['sent'], null]);
    const ids = new Set(pending.map((j) => j.unique_id));
    return (sent as MeterJob[]).filter((j) => ids.has(j.unique_id));
  });
}

/** What a meter says of a job it ran. */
export interface JobAck {
  /** The meter's own word for the outcome, kept as `reported`. */
  readonly status: string;
  /** AddCredit: the credit the meter now shows. */
  readonly credit?: number;
}

/**
 * Acknowledges a job of the meter's circuits: sent becomes acknowledged. Idempotent: an
 * acknowledged job answers as it is; a job the meter was not sent (pending) or that has
 * failed is refused, since its outcome is not the meter's to report.
 */
export async function acknowledgeJob(
  db: Database,
  fieldMeterId: number,
  uniqueId: string,
  ack: JobAck,
): Promise<JobRow> {
  return db.withTransaction(async (tx, client) => {
    await lockMeter(client, fieldMeterId);
    const { rows } = await client.query(JOBS_OF_METER, [
      fieldMeterId,
      ['pending', 'sent', 'acknowledged', 'failed'],
      uniqueId,
    ]);
    const job = rows[0] as JobRow | undefined;
    if (!job) throw new TessError(ErrorCode.NOT_FOUND, `job ${uniqueId} not found`);
    if (job.state === 'acknowledged') return job;
    if (job.state !== 'sent') {
      throw new TessError(
        ErrorCode.WRONG_STATE,
        `job ${uniqueId} is ${job.state}: only a sent job can be acknowledged`,
      );
    }
    return tx.job.set({
      unique_id: uniqueId,
      state: 'acknowledged',
      reported: ack.status,
      ...(ack.credit === undefined ? {} : { credit: ack.credit }),
    });
  });
}

/**
 * Field meters TESS sends jobs to by SMS (an interface and a number set) that have jobs
 * pending, as entry ids: the others pull theirs over HTTP.
 */
export async function metersToPush(db: Database): Promise<number[]> {
  return db.withTransaction(async (_tx, client) => {
    const { rows } = await client.query(
      `WITH meter AS (
         SELECT DISTINCT ON (system_id, name) system_id, name, communication_interface, phone, status,
                min(field_meter_id) OVER (PARTITION BY system_id, name) AS entry_id
         FROM gateway.field_meter ORDER BY system_id, name, created DESC, field_meter_id DESC)
       SELECT m.entry_id FROM meter m
       WHERE m.communication_interface IS NOT NULL AND m.phone IS NOT NULL AND m.status = 'active'
         AND EXISTS (
           SELECT 1 FROM (SELECT DISTINCT ON (unique_id) state FROM gateway.job
                          WHERE circuit_id IN (SELECT circuit_id FROM gateway.circuit WHERE field_meter_id = m.entry_id)
                          ORDER BY unique_id, created DESC, job_id DESC) j
           WHERE j.state = 'pending')`,
    );
    return rows.map((r) => Number(r.entry_id));
  });
}
