import type { JobState } from '../../engine/gateway/index.js';
import type { Database } from '../database.js';
import { asofParam } from '../queries/current.js';
import { CIRCUIT_NOW } from './circuit-now.js';
import type { MeterJob } from './jobs.js';

/** Which jobs to list: a system's, or one circuit's (by PIN), in one state or all. */
export interface JobFilter {
  readonly systemId: number;
  readonly pin?: string | undefined;
  readonly state?: JobState | undefined;
  /** Cursor: list jobs whose current version's id is greater (0: from the start). */
  readonly after: number;
  readonly limit: number;
}

/**
 * The version of each job in effect at the handle's clock, in id order, with the PIN and
 * address of its circuit. Jobs carry no system of their own: their circuits say which.
 */
const LIST = `
  SELECT j.*, cur.pin, cur.ip_address
  FROM (SELECT DISTINCT ON (unique_id) * FROM gateway.job
        WHERE created <= $6
          AND circuit_id IN (SELECT circuit_id FROM gateway.circuit
                             WHERE system_id = $1 AND ($2::text IS NULL OR pin = $2))
        ORDER BY unique_id, created DESC, job_id DESC) j
  CROSS JOIN LATERAL ${CIRCUIT_NOW('j.circuit_id', '$6')}
  WHERE ($3::text IS NULL OR j.state = $3) AND j.job_id > $4
  ORDER BY j.job_id LIMIT $5`;

export async function listJobs(db: Database, filter: JobFilter): Promise<MeterJob[]> {
  return db.withTransaction(async (_tx, client) => {
    const { rows } = await client.query(LIST, [
      filter.systemId,
      filter.pin ?? null,
      filter.state ?? null,
      filter.after,
      filter.limit,
      asofParam(db.clock),
    ]);
    return rows as MeterJob[];
  });
}
