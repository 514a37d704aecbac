import type { Database } from '../storage/index.js';
import { readPlan } from './market-schedule.js';

/** A market on the market whose clearing has fallen behind. */
export interface LateMarket {
  readonly system: string;
  readonly resource: string;
  /** The interval after the last one cleared, which should have cleared at its end. */
  readonly from: Date;
  readonly end: Date;
  /** Length of the interval in effect at `end`, in seconds. */
  readonly seconds: number;
}

/**
 * Markets (of systems on the market) whose next interval ended more than one interval
 * ago without being cleared: nothing clears them (no runtime on this database, or one
 * whose jobs never come), or clearing fails. Read from the database alone, so every
 * process, with or without a runtime, answers the same.
 */
export async function lateMarkets(db: Database, now: number): Promise<LateMarket[]> {
  const late: LateMarket[] = [];
  for (const market of await db.listMarkets()) {
    const plan = await readPlan(db, market);
    const end = await plan.end(plan.from);
    const seconds = plan.secondsAt(end);
    if (now - end > seconds * 1000) {
      late.push({
        system: market.system,
        resource: market.resource,
        from: new Date(plan.from),
        end: new Date(end),
        seconds,
      });
    }
  }
  return late;
}

/** One sentence naming the late markets (the first few) for /health. */
export function describeLateness(late: readonly LateMarket[], now: number, shown = 3): string {
  const named = late.slice(0, shown).map((m) => {
    const behind = Math.round((now - m.end.getTime()) / 1000);
    return `${m.system}/${m.resource} (interval ${m.from.toISOString()} not cleared, ${behind} s past its end; interval ${m.seconds} s)`;
  });
  const more = late.length > shown ? ` and ${late.length - shown} more` : '';
  return `clearing is late: ${named.join(', ')}${more}`;
}
