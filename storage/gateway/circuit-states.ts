import { type CircuitState, type ConditionAlert, switchedBy } from '../../engine/gateway/index.js';
import type { Queryable } from '../queries/current.js';
import { moneyToMicro } from '../values.js';
import { commandedSwitch } from './commanded.js';

/**
 * What the alert rules (engine/gateway/alerts.ts) need to know of every circuit of a
 * system at `now`, in one statement: the circuit's current version and limits, its
 * owner's balance, its latest log, its energy of the local day (in its field meter's
 * time zone), its open alert episodes, and the switch position last commanded.
 * What the circuit reported is read as of `now`; what the passes decided (alerts, jobs)
 * is read whole, so a pass asked again at the same `now` finds its own decisions.
 */
export interface CircuitSnapshot {
  /** The circuit's entry id (what logs, jobs and alerts reference). */
  readonly circuitId: number;
  readonly pin: string;
  readonly fieldMeterId: number;
  /** The latest version of each open episode's alert, by type. */
  readonly openAlerts: ReadonlyMap<
    ConditionAlert,
    { readonly uniqueId: string; readonly began: Date; readonly status: string }
  >;
  readonly state: Omit<CircuitState, 'lowCreditMicro' | 'unresponsiveAfterMs'>;
}

const SNAPSHOT = `
WITH cur AS (
  -- Each circuit's current version, with its entry id and first creation, in one scan
  -- (the window sees every version before DISTINCT ON keeps the newest).
  SELECT DISTINCT ON (pin) pin, device_id, field_meter_id, power_max, energy_max,
         min(circuit_id) OVER (PARTITION BY pin) AS entry_id, min(created) OVER (PARTITION BY pin) AS since
  FROM gateway.circuit WHERE system_id = $1 AND created <= $2
  ORDER BY pin, created DESC, circuit_id DESC)
SELECT cur.entry_id, cur.pin, cur.field_meter_id, cur.power_max, cur.energy_max, cur.since,
       owner.user_id, coalesce(bal.balance, 0)::text AS balance,
       last_log.watthours, last_log.power_peak, last_log.period_start, last_log.period_end, last_log.created AS heard,
       coalesce(today.wh, 0) AS energy_today,
       coalesce(alerts.open, '[]') AS open,
       coalesce(cmd.type, 'TurnOn') AS commanded, cmd.unique_id AS commanded_job
FROM cur
CROSS JOIN LATERAL (
  SELECT d.user_id FROM device e JOIN device d ON d.unique_id = e.unique_id
  WHERE e.device_id = cur.device_id AND d.created <= $2 ORDER BY d.created DESC, d.device_id DESC LIMIT 1) owner
LEFT JOIN LATERAL (
  SELECT balance FROM transaction WHERE user_id = owner.user_id AND created <= $2
  ORDER BY created DESC, transaction_id DESC LIMIT 1) bal ON true
LEFT JOIN LATERAL (
  SELECT watthours, power_peak, period_start, period_end, created FROM gateway.primary_log
  WHERE circuit_id = cur.entry_id AND created <= $2 ORDER BY period_start DESC LIMIT 1) last_log ON true
LEFT JOIN LATERAL (
  SELECT v.time_zone FROM gateway.field_meter f JOIN gateway.field_meter v ON v.system_id = f.system_id AND v.name = f.name
  WHERE f.field_meter_id = cur.field_meter_id AND v.created <= $2
  ORDER BY v.created DESC, v.field_meter_id DESC LIMIT 1) tz ON true
LEFT JOIN LATERAL (
  SELECT sum(watthours) AS wh FROM gateway.primary_log
  WHERE circuit_id = cur.entry_id AND created <= $2
    AND period_start >= (date_trunc('day', $2::timestamptz AT TIME ZONE coalesce(tz.time_zone, 'UTC')) AT TIME ZONE coalesce(tz.time_zone, 'UTC'))
    AND period_start < $2) today ON true
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('type', a.type, 'unique_id', a.unique_id, 'began', a.began, 'status', a.status)) AS open
  FROM (SELECT DISTINCT ON (unique_id) unique_id, type, began, ended, status FROM gateway.alert
        WHERE circuit_id = cur.entry_id
          AND type IN ('UnresponsiveCircuit', 'PowerMax', 'EnergyMax', 'LowCredit', 'NoCredit')
        ORDER BY unique_id, created DESC, alert_id DESC) a
  WHERE a.ended IS NULL) alerts ON true
LEFT JOIN LATERAL (${commandedSwitch('cur.entry_id', 'true')}) cmd ON true
ORDER BY cur.entry_id`;

interface Row {
  entry_id: number;
  pin: string;
  field_meter_id: number;
  power_max: number | null;
  energy_max: number | null;
  since: Date;
  balance: string;
  watthours: number | null;
  power_peak: number | null;
  period_start: Date | null;
  period_end: Date | null;
  heard: Date | null;
  energy_today: number;
  open: { type: ConditionAlert; unique_id: string; began: string; status: string }[];
  commanded: 'TurnOn' | 'TurnOff';
  commanded_job: string | null;
}

export async function readCircuitSnapshots(
  db: Queryable,
  systemId: number,
  now: Date,
): Promise<CircuitSnapshot[]> {
  const { rows } = await db.query(SNAPSHOT, [systemId, now]);
  return (rows as Row[]).map((r) => {
    const openAlerts = new Map(
      r.open.map(
        (a) => [a.type, { uniqueId: a.unique_id, began: new Date(a.began), status: a.status }] as const,
      ),
    );
    // A resolved PowerMax no longer holds the circuit off; the pass ends it.
    const open = new Set(
      [...openAlerts].filter(([t, a]) => t !== 'PowerMax' || a.status !== 'resolved').map(([t]) => t),
    );
    const unresponsive = openAlerts.get('UnresponsiveCircuit');
    const powerMax = openAlerts.get('PowerMax');
    // Power is judged on logs heard since the last trip, so the log that tripped it does not trip it again.
    const fresh = r.heard !== null && (powerMax === undefined || r.heard > powerMax.began);
    const hours =
      r.period_start && r.period_end ? (r.period_end.getTime() - r.period_start.getTime()) / 3.6e6 : 0;
    const lastPowerW =
      !fresh || r.watthours === null ? null : (r.power_peak ?? (hours > 0 ? r.watthours / hours : null));
    return {
      circuitId: r.entry_id,
      pin: r.pin,
      fieldMeterId: r.field_meter_id,
      openAlerts,
      state: {
        balanceMicro: moneyToMicro(Number(r.balance)),
        lastPowerW,
        powerMaxW: r.power_max,
        energyTodayWh: r.energy_today,
        energyMaxWh: r.energy_max,
        lastHeard: r.heard?.getTime() ?? null,
        since: r.since.getTime(),
        now: now.getTime(),
        open,
        heardSinceUnresponsive:
          unresponsive !== undefined && r.heard !== null && r.heard > unresponsive.began,
        commanded: r.commanded === 'TurnOff' ? 'off' : 'on',
        commandedBy: r.commanded_job === null ? 'gateway' : switchedBy(r.commanded_job),
      },
    };
  });
}
