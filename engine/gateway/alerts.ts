/**
 * The prepaid gateway's alert rules, as a pure function of what is known of one circuit.
 *
 * An alert marks an episode: a condition that became true. It is raised once when the
 * condition begins and ended when it stops, so re-evaluating the same state (a
 * redelivered job, a second pass) raises nothing new. Conditions:
 * - LowCredit: balance below the `low-credit` threshold (at or below zero included);
 * - NoCredit: balance at or below zero; the circuit is turned off until credit returns;
 * - PowerMax: the latest log's average power above the circuit's `power_max`; the circuit
 *   is turned off and stays off until an operator resolves the alert (an overload may be
 *   a fault: a person decides);
 * - EnergyMax: energy of the local day above `energy_max`; off until the next local day;
 * - UnresponsiveCircuit: no log for `unresponsive-after`; its end (the first log
 *   afterwards) raises PowerOn, an event alert that ends as it is raised.
 * UnresponsiveJob comes from the job rules (engine/gateway/jobs.ts); TokenFailures from
 * the throttle on repeated failed redemptions by one account or address.
 */
export const ALERT_TYPES = [
  'UnresponsiveCircuit',
  'PowerMax',
  'EnergyMax',
  'LowCredit',
  'NoCredit',
  'UnresponsiveJob',
  'PowerOn',
  'TokenFailures',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** The operator's workflow of an alert: open → pending (assigned) → resolved. */
export const ALERT_STATUSES = ['open', 'pending', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The alerts whose episodes follow a circuit's state. */
export type ConditionAlert = 'UnresponsiveCircuit' | 'PowerMax' | 'EnergyMax' | 'LowCredit' | 'NoCredit';

export interface CircuitState {
  readonly balanceMicro: number;
  readonly lowCreditMicro: number;
  /** Average power of the latest log period, W; null before the first log. */
  readonly lastPowerW: number | null;
  /** null: no limit. */
  readonly powerMaxW: number | null;
  /** Energy of the local day so far, Wh. */
  readonly energyTodayWh: number;
  /** null: no limit. */
  readonly energyMaxWh: number | null;
  /** When the circuit last logged (ms), or null when it never has. */
  readonly lastHeard: number | null;
  /** When the circuit was added (ms): a circuit that never logged is unresponsive from then. */
  readonly since: number;
  readonly now: number;
  readonly unresponsiveAfterMs: number;
  /** Conditions whose episode is open (raised, not ended). */
  readonly open: ReadonlySet<ConditionAlert>;
  /** Whether the latest log was written after the open UnresponsiveCircuit episode began. */
  readonly heardSinceUnresponsive: boolean;
  /** The switch position TESS last commanded (a job not failed), or 'on' for a new circuit. */
  readonly commanded: 'on' | 'off';
  /** Whose command that was: the gateway's own (its alert pass; a new circuit too) or a person's. */
  readonly commandedBy: 'gateway' | 'person';
}

export interface Evaluation {
  readonly raise: readonly AlertType[];
  readonly end: readonly ConditionAlert[];
  /** The job to send, when the circuit should be switched. */
  readonly command: 'TurnOff' | 'TurnOn' | null;
}

export function evaluateCircuit(s: CircuitState): Evaluation {
  const holds: Record<ConditionAlert, boolean> = {
    LowCredit: s.balanceMicro < s.lowCreditMicro,
    NoCredit: s.balanceMicro <= 0,
    // Latched: once open, it ends only when an operator resolves it (storage ends it then).
    PowerMax:
      s.open.has('PowerMax') || (s.powerMaxW !== null && s.lastPowerW !== null && s.lastPowerW > s.powerMaxW),
    EnergyMax: s.energyMaxWh !== null && s.energyTodayWh > s.energyMaxWh,
    UnresponsiveCircuit: s.open.has('UnresponsiveCircuit')
      ? !s.heardSinceUnresponsive
      : s.now - (s.lastHeard ?? s.since) >= s.unresponsiveAfterMs,
  };
  const raise: AlertType[] = [];
  const end: ConditionAlert[] = [];
  for (const type of Object.keys(holds) as ConditionAlert[]) {
    if (holds[type] && !s.open.has(type)) raise.push(type);
    if (!holds[type] && s.open.has(type)) end.push(type);
  }
  if (end.includes('UnresponsiveCircuit')) raise.push('PowerOn');
  const on = !holds.NoCredit && !holds.PowerMax && !holds.EnergyMax;
  // A cut is always sent; a circuit is switched back on only from the gateway's own cut,
  // never against its customer's `off`.
  const command =
    !on && s.commanded === 'on'
      ? 'TurnOff'
      : on && s.commanded === 'off' && s.commandedBy === 'gateway'
        ? 'TurnOn'
        : null;
  return { raise, end, command };
}
