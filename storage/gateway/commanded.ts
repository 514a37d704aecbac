/**
 * The switch position TESS last commanded a circuit to: the type (and unique id, which
 * says whose command it was: engine/gateway/jobs.ts switchedBy) of its newest TurnOn or
 * TurnOff job (newest by when the job was first written) whose current state is not
 * failed; no row when there is none (the circuit is on). `circuits` is SQL naming the
 * circuit ids, `bound` a condition on the job rows read (an as-of bound, or `true`).
 * One definition for the circuit's state the API shows and the one the alert pass judges.
 */
export const commandedSwitch = (circuits: string, bound: string): string => `
  SELECT j.type, j.unique_id FROM (
    SELECT DISTINCT ON (unique_id) unique_id, type, state, min(created) OVER (PARTITION BY unique_id) AS began
    FROM gateway.job
    WHERE circuit_id IN (${circuits}) AND type IN ('TurnOn', 'TurnOff') AND ${bound}
    ORDER BY unique_id, created DESC, job_id DESC) j
  WHERE j.state <> 'failed' ORDER BY j.began DESC LIMIT 1`;
