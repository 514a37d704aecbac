import type { Logger } from 'pino';
import { ErrorCode, TessError } from '../engine/errors.js';
import { settleMeter } from '../engine/index.js';
import type { Database, Market, PendingMeter } from '../storage/index.js';
import { failureReason, isDeterministic } from './interval-failure.js';
import { meterReadingsUnsettled } from './metrics.js';

/**
 * The largest amount a reading may book, in micro-currency: exact as an integer in a
 * double (about 9 × 10^9 in currency). numeric(20, 6) holds more, but not exactly on the
 * way through a double, and no real meter reading comes near.
 */
const AMOUNT_LIMIT_MICRO = Number.MAX_SAFE_INTEGER;

/** What a reading books (micro-currency): its settlement less what earlier versions booked. */
function amountOf(meter: PendingMeter): number {
  const amountMicro =
    settleMeter({
      metered: meter.quantity,
      boughtMicro: meter.boughtMicro,
      soldMicro: meter.soldMicro,
      price: meter.price,
      intervalSeconds: meter.intervalSeconds,
    }).amountMicro - meter.bookedMicro;
  if (!(Math.abs(amountMicro) <= AMOUNT_LIMIT_MICRO)) {
    throw new TessError(
      ErrorCode.INVALID,
      `meter reading ${meter.meterId}: a settlement of ${amountMicro / 1e6} is beyond what the ledger holds exactly`,
    );
  }
  return amountMicro;
}

export interface SettleOutcome {
  readonly settled: number;
  /** Readings that could not be booked, marked in meter_failure and skipped. */
  readonly failed: number;
}

/**
 * Settles the meter readings that wait on cleared intervals of `market` (see
 * storage/meter-settlement.ts pendingMeters, which [from, end) — the interval just cleared — scopes),
 * as its own step after the clearing committed: a reading that cannot be settled never
 * holds up a clearing. One transaction under the market's lock, so two processes never
 * book a reading twice; all readings in one batch first and, when the batch fails, one by
 * one (each in a savepoint), so one bad reading holds up no other. A reading that fails
 * for its data is marked in meter_failure with the reason, logged and counted, and not
 * tried again; a transient failure (connection, lock) rolls back and is thrown, and the
 * next attempt finds the same readings still pending.
 */
export async function settleMeters(
  db: Database,
  log: Logger,
  market: Market,
  from: Date,
  end: Date,
): Promise<SettleOutcome> {
  return db.inMarket(market.resourceId, async (tx) => {
    const pending = await tx.pendingMeters(from, end);
    let settled = 0;
    let failed = 0;
    if (pending.length === 0) return { settled, failed };
    try {
      settled = await tx.savepoint(() =>
        tx.writeMeterSettlements(pending.map((meter) => ({ meter, amountMicro: amountOf(meter) }))),
      );
    } catch (err) {
      if (!isDeterministic(err)) throw err;
      for (const meter of pending) {
        try {
          settled += await tx.savepoint(() =>
            tx.writeMeterSettlements([{ meter, amountMicro: amountOf(meter) }]),
          );
        } catch (e) {
          if (!isDeterministic(e)) throw e;
          const reason = failureReason(e);
          await tx.writeMeterFailure({ meterId: meter.meterId, reason });
          failed++;
          meterReadingsUnsettled.inc();
          log.error(
            {
              system: market.system,
              resource: market.resource,
              meter: meter.meterId,
              device: meter.deviceId,
              price: meter.priceId,
              reason,
            },
            'meter reading not settled',
          );
        }
      }
    }
    return { settled, failed };
  });
}
