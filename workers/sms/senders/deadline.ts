/**
 * A signal that aborts when the caller's does or when `ms` have passed, whichever comes
 * first; a deadline's abort reason is a TimeoutError saying how long it was. `clear` stops
 * the timer, so that no timer outlives the attempt it bounded.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  clear(): void;
}

export function deadline(ms: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')),
    ms,
  );
  const signal = outer ? AbortSignal.any([outer, controller.signal]) : controller.signal;
  return { signal, clear: () => clearTimeout(timer) };
}
