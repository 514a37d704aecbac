import { ErrorCode, invalid, TessError } from '../errors.js';
import { ALERT_STATUSES, type AlertStatus } from './alerts.js';

/**
 * The alerts desk: what operators do with an alert once a pass raised it.
 *
 * An alert is open until someone takes it (pending, with an assignee), and resolved when
 * they say what was done (the resolution). Its status only moves forward, and a resolved
 * alert is final: a problem that comes back is a new episode, which the passes raise as a
 * new alert, so the desk's record of who did what stays as it was written.
 *
 * Shortcuts, because that is how the desk is used: assigning an open alert makes it
 * pending, and giving a resolution resolves it. A change that changes nothing is not an
 * error (a PUT repeated after a lost answer must not fail) and writes nothing.
 */

/** What the desk records of an alert. */
export interface AlertWorkflow {
  readonly status: AlertStatus;
  readonly assignee: string | null;
  readonly resolution: string | null;
}

/** What an operator asks: any of the three, at least one. */
export interface AlertChange {
  readonly status?: AlertStatus | undefined;
  readonly assignee?: string | undefined;
  readonly resolution?: string | undefined;
}

/** Longest assignee and resolution texts kept (an SMS-sized name, a paragraph). */
export const ASSIGNEE_MAX = 200;
export const RESOLUTION_MAX = 2000;

const rank = (s: AlertStatus) => ALERT_STATUSES.indexOf(s);

/** The desk's record after `change`, or a TessError naming why it is refused. */
export function nextAlertWorkflow(current: AlertWorkflow, change: AlertChange): AlertWorkflow {
  const { status, assignee, resolution } = change;
  if (status === undefined && assignee === undefined && resolution === undefined) {
    throw invalid('body: give at least one of status, assignee, resolution');
  }
  for (const [name, text, max] of [
    ['assignee', assignee, ASSIGNEE_MAX],
    ['resolution', resolution, RESOLUTION_MAX],
  ] as const) {
    if (text !== undefined && (text.trim() === '' || text.length > max)) {
      throw invalid(`body.${name}: must be 1 to ${max} characters, not blank`);
    }
  }
  const target: AlertStatus =
    status ?? (resolution !== undefined ? 'resolved' : assignee !== undefined ? 'pending' : current.status);
  const next: AlertWorkflow = {
    status: target,
    assignee: assignee ?? current.assignee,
    resolution: resolution ?? current.resolution,
  };
  if (sameWorkflow(current, next)) return current;
  if (current.status === 'resolved') {
    throw new TessError(ErrorCode.WRONG_STATE, 'the alert is resolved: a resolved alert is final');
  }
  if (rank(next.status) < rank(current.status)) {
    throw new TessError(
      ErrorCode.WRONG_STATE,
      `the alert is ${current.status}: its status cannot go back to ${next.status}`,
    );
  }
  if (next.status === 'pending' && next.assignee === null) {
    throw invalid('body.assignee: a pending alert needs someone assigned to it');
  }
  if (next.status === 'resolved' && resolution === undefined) {
    throw invalid('body.resolution: say how the alert was resolved');
  }
  if (next.status !== 'resolved' && resolution !== undefined) {
    throw invalid(`body.resolution: a resolution resolves the alert (status resolved, not ${next.status})`);
  }
  return next;
}

export const sameWorkflow = (a: AlertWorkflow, b: AlertWorkflow): boolean =>
  a.status === b.status && a.assignee === b.assignee && a.resolution === b.resolution;
