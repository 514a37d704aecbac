import type { Database } from '../database.js';
import { asofParam } from '../queries/current.js';
import { commandedSwitch } from './commanded.js';

/**
 * What a circuit did, as known at `asof` (null: now): when it last logged, and the switch
 * position TESS last commanded. A circuit's logs and jobs may name any version of it, so
 * both are read over every row of its entry (its system and PIN).
 */
export interface CircuitActivity {
  /** The latest period_end of its primary logs; null when it never logged. */
  readonly lastHeard: Date | null;
  /** From its latest TurnOn or TurnOff job that did not fail; 'on' when there is none. */
  readonly switched: 'on' | 'off';
}

const VERSIONS = 'SELECT circuit_id FROM gateway.circuit WHERE system_id = $1 AND pin = $2';

export function circuitActivity(
  db: Database,
  systemId: number,
  pin: string,
  asof: Date | null,
): Promise<CircuitActivity> {
  const params = [systemId, pin, asofParam(asof)];
  return db.withTransaction(async (_tx, client) => {
    const heard = await client.query(
      `SELECT max(period_end) AS last FROM gateway.primary_log
       WHERE circuit_id IN (${VERSIONS}) AND created <= $3`,
      params,
    );
    const job = await client.query(commandedSwitch(VERSIONS, 'created <= $3'), params);
    return {
      lastHeard: (heard.rows[0]?.last as Date | null) ?? null,
      switched: job.rows[0]?.type === 'TurnOff' ? 'off' : 'on',
    };
  });
}
