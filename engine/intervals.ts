/**
 * Interval arithmetic. Intervals of Δ seconds are aligned to the Unix epoch: the
 * interval containing time t starts at floor(t/Δ)·Δ. Orders placed during [S, S+Δ)
 * belong to the interval starting at S, which closes (clears) at the boundary S+Δ.
 */

/** Start of the interval of `seconds` that contains `time`. */
export function intervalStart(time: Date | number, seconds: number): Date {
  const ms = typeof time === 'number' ? time : time.getTime();
  const step = seconds * 1000;
  return new Date(Math.floor(ms / step) * step);
}

/** The boundary at which the interval containing `time` closes. */
export function nextBoundary(time: Date | number, seconds: number): Date {
  return new Date(intervalStart(time, seconds).getTime() + seconds * 1000);
}

/** Whether `seconds` is a usable interval: a whole number of seconds from 1 s to 1 day. */
export function isValidInterval(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= 86_400;
}
