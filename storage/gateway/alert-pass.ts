import { ErrorCode, TessError } from '../../engine/errors.js';
import {
  type AlertType,
  DEFAULT_JOB_RETRIES,
  DEFAULT_JOB_TIMEOUT_S,
  evaluateCircuit,
  jobStep,
} from '../../engine/gateway/index.js';
import { lockKey } from '../advisory-lock.js';
import type { Database } from '../database.js';
import type { Queryable } from '../queries/current.js';
import { configValues } from '../queries/config-values.js';
import { moneyToMicro } from '../values.js';
import { readCircuitSnapshots } from './circuit-states.js';

/**
 * The gateway's periodic passes over a system, at a given time `now` (the runtime passes
 * the boundary its job is for, so a redelivered job asks the same question again). Each
 * runs in one transaction under a lock of its own per system, reads the state it judges
 * and writes its decisions in the same transaction: a second run at the same `now` finds
 * its alerts raised and its jobs queued, and adds nothing.
 */

export const DEFAULT_LOW_CREDIT = 10;
export const DEFAULT_UNRESPONSIVE_AFTER_S = 7_200;

/** Config the passes read; each a number in range, named in the error when it is not. */
const PASS_CONFIG = ['low-credit', 'unresponsive-after', 'job-timeout', 'job-retries'] as const;

function configNumber(
  config: Readonly<Record<string, string | null>>,
  name: (typeof PASS_CONFIG)[number],
  fallback: number,
  max: number,
  integer = false,
): number {
  const text = config[name];
  if (text === null || text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be ${integer ? 'a whole number' : 'a number'} from 0 to ${max} (got "${text}")`,
    );
  }
  return value;
}

const lockPass = (client: Queryable, pass: string, systemId: number) =>
  lockKey(client, `tess:gateway-${pass}:${systemId}`);

/** The fields every alert a pass raises has: where, what, and when its episode began. */
const alertRow = (
  systemId: number,
  fieldMeterId: number,
  circuitId: number,
  type: AlertType,
  uniqueId: string,
  began: Date,
) => ({
  unique_id: uniqueId,
  system_id: systemId,
  field_meter_id: fieldMeterId,
  circuit_id: circuitId,
  type,
  began,
});

export interface AlertPassOutcome {
  readonly circuits: number;
  readonly raised: Readonly<Partial<Record<AlertType, number>>>;
  readonly ended: number;
  readonly turnOff: number;
  readonly turnOn: number;
}

/** Raises and ends alert episodes and queues TurnOff/TurnOn jobs for every circuit of a system. */
export async function runAlertPass(db: Database, systemId: number, now: Date): Promise<AlertPassOutcome> {
  return db.withTransaction(async (tx, client) => {
    await lockPass(client, 'alerts', systemId);
    const config = await configValues(client, systemId, PASS_CONFIG);
    const lowCreditMicro = moneyToMicro(configNumber(config, 'low-credit', DEFAULT_LOW_CREDIT, 1e9));
    const unresponsiveAfterMs =
      configNumber(config, 'unresponsive-after', DEFAULT_UNRESPONSIVE_AFTER_S, 365 * 86_400) * 1000;
    const snapshots = await readCircuitSnapshots(client, systemId, now);
    const at = now.toISOString();
    const alerts: Record<string, unknown>[] = [];
    const ends: Record<string, unknown>[] = [];
    const jobs: Record<string, unknown>[] = [];
    const raised: Partial<Record<AlertType, number>> = {};
    for (const s of snapshots) {
      const e = evaluateCircuit({ ...s.state, lowCreditMicro, unresponsiveAfterMs });
      for (const type of e.raise) {
        raised[type] = (raised[type] ?? 0) + 1;
        alerts.push({
          ...alertRow(systemId, s.fieldMeterId, s.circuitId, type, `${type}:${s.circuitId}:${at}`, now),
          // PowerOn is an event: its episode ends as it begins.
          ...(type === 'PowerOn' ? { ended: now } : {}),
          message: `circuit ${s.pin}: ${type}`,
        });
      }
      for (const type of e.end) ends.push({ unique_id: s.openAlerts.get(type)!.uniqueId, ended: now });
      // An operator resolved a PowerMax trip: its episode is over.
      const trip = s.openAlerts.get('PowerMax');
      if (trip?.status === 'resolved') ends.push({ unique_id: trip.uniqueId, ended: now });
      if (e.command) jobs.push({ circuit_id: s.circuitId, type: e.command, state: 'pending' });
    }
    if (alerts.length > 0) await tx.alert.addMany(alerts);
    if (ends.length > 0) await tx.alert.setMany(ends);
    if (jobs.length > 0) await tx.job.addMany(jobs);
    return {
      circuits: snapshots.length,
      raised,
      ended: ends.length,
      turnOff: jobs.filter((j) => j['type'] === 'TurnOff').length,
      turnOn: jobs.filter((j) => j['type'] === 'TurnOn').length,
    };
  });
}

export interface JobPassOutcome {
  readonly resent: number;
  readonly failed: number;
}

/** Sends again the jobs whose acknowledgement is overdue, and fails those out of retries (UnresponsiveJob). */
export async function runJobPass(db: Database, systemId: number, now: Date): Promise<JobPassOutcome> {
  return db.withTransaction(async (tx, client) => {
    await lockPass(client, 'jobs', systemId);
    const config = await configValues(client, systemId, PASS_CONFIG);
    const rules = {
      timeoutMs: configNumber(config, 'job-timeout', DEFAULT_JOB_TIMEOUT_S, 86_400) * 1000,
      retries: configNumber(config, 'job-retries', DEFAULT_JOB_RETRIES, 20, true),
    };
    const { rows } = await client.query(
      `SELECT j.unique_id, j.circuit_id, j.type, j.sends, j.sent_at, c.pin, c.field_meter_id
       FROM (SELECT DISTINCT ON (unique_id) * FROM gateway.job
             WHERE circuit_id IN (SELECT circuit_id FROM gateway.circuit WHERE system_id = $1)
             ORDER BY unique_id, created DESC, job_id DESC) j
       JOIN gateway.circuit c ON c.circuit_id = j.circuit_id
       WHERE j.state = 'sent'`,
      [systemId],
    );
    const resend: Record<string, unknown>[] = [];
    const fail: Record<string, unknown>[] = [];
    const alerts: Record<string, unknown>[] = [];
    for (const j of rows as {
      unique_id: string;
      circuit_id: number;
      type: string;
      sends: number;
      sent_at: Date | null;
      pin: string;
      field_meter_id: number;
    }[]) {
      const step = jobStep(
        { state: 'sent', sends: j.sends, sentAt: j.sent_at?.getTime() ?? null },
        now.getTime(),
        rules,
      );
      if (step === 'resend') resend.push({ unique_id: j.unique_id, state: 'pending' });
      if (step === 'fail') {
        fail.push({ unique_id: j.unique_id, state: 'failed' });
        alerts.push({
          ...alertRow(
            systemId,
            j.field_meter_id,
            j.circuit_id,
            'UnresponsiveJob',
            `UnresponsiveJob:${j.unique_id}`,
            now,
          ),
          message: `circuit ${j.pin}: ${j.type} not acknowledged after ${j.sends} sends`,
        });
      }
    }
    if (resend.length + fail.length > 0) await tx.job.setMany([...resend, ...fail]);
    if (alerts.length > 0) await tx.alert.addMany(alerts);
    return { resent: resend.length, failed: fail.length };
  });
}
