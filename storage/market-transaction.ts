import type pg from 'pg';
import { lockKey } from './advisory-lock.js';
import { type ClearingRecord, writeClearing } from './clearing-writer.js';
import { type OpenOrders, readOpenOrders } from './interval-book.js';
import { lastClearedEnd } from './market-timeline.js';
import {
  type PendingMeter,
  pendingMeters,
  writeMeterFailure,
  writeMeterSettlements,
} from './meter-settlement.js';
import { translatePgError } from './pg-errors.js';
import type { PriceRow } from './rows.js';
import { clientRunner, inTransaction } from './runner.js';

/**
 * What the runtime does to one market inside one transaction under the market's lock:
 * clear an interval (its book, its clearing or FAILURE) or settle the meter readings
 * that wait on cleared intervals. Bound to the transaction's connection and to the
 * market (a resource); what fails comes out translated (storage/pg-errors.ts), with
 * PostgreSQL's error as the cause, so isDataError still reads its SQLSTATE.
 */
export interface MarketTransaction {
  readonly resourceId: number;
  /** End of the last interval cleared in this market, or null when none was: read under the lock. */
  lastClearedEnd(): Promise<Date | null>;
  /** The book of [from, end), with the orders carried into it from `carryFrom` on (storage/interval-book.ts). */
  openOrders(from: Date, end: Date, carryFrom?: Date | null): Promise<OpenOrders>;
  /** Writes a cleared interval (or a FAILURE); AlreadyCleared when it is written already. */
  writeClearing(rec: Omit<ClearingRecord, 'resourceId'>): Promise<PriceRow>;
  /** Meter readings waiting on cleared intervals, scoped by [from, end) (storage/meter-settlement.ts). */
  pendingMeters(from: Date, end: Date): Promise<PendingMeter[]>;
  /** Books settlements (micro-currency); the number of rows written. */
  writeMeterSettlements(
    settlements: readonly { meter: PendingMeter; amountMicro: number }[],
  ): Promise<number>;
  /** Marks a reading version as one settlement cannot book, with why. */
  writeMeterFailure(failure: { readonly meterId: number; readonly reason: string }): Promise<void>;
  /**
   * Runs `fn` in a savepoint: when it throws, what it wrote is undone and the transaction
   * goes on (settlement's batch first, then reading by reading).
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/** Serializes everything that clears one market, across processes. */
async function lockMarket(client: pg.PoolClient | pg.Client, resourceId: number): Promise<void> {
  await lockKey(client, `tess:market:${resourceId}`);
}

function marketTransaction(client: pg.PoolClient | pg.Client, resourceId: number): MarketTransaction {
  const { write: run } = clientRunner(client);
  return {
    resourceId,
    lastClearedEnd: () => run((c) => lastClearedEnd(c, resourceId)),
    openOrders: (from, end, carryFrom = null) =>
      run((c) => readOpenOrders(c, resourceId, from, end, carryFrom)),
    writeClearing: (rec) => run((c) => writeClearing(c, { ...rec, resourceId })),
    pendingMeters: (from, end) => run((c) => pendingMeters(c, resourceId, from, end)),
    writeMeterSettlements: (settlements) => run((c) => writeMeterSettlements(c, settlements)),
    writeMeterFailure: (failure) => run((c) => writeMeterFailure(c, { ...failure, resourceId })),
    async savepoint(fn) {
      // One name serves nested savepoints: each is released (or rolled back to) before
      // the one around it, so the name always means the innermost.
      await run((c) => c.query('SAVEPOINT market_step'));
      try {
        const result = await fn();
        await run((c) => c.query('RELEASE SAVEPOINT market_step'));
        return result;
      } catch (err) {
        await run((c) => c.query('ROLLBACK TO SAVEPOINT market_step'));
        await run((c) => c.query('RELEASE SAVEPOINT market_step'));
        throw translatePgError(err);
      }
    },
  };
}

/**
 * Runs `fn` in a transaction of its own under the lock of market `resourceId`, which
 * serializes everything that clears or settles one market across processes; commits
 * what it wrote when it returns, rolls back when it throws. Inside a transaction
 * already (`client`), runs in that one.
 */
export async function inMarket<T>(
  on: { readonly pool: pg.Pool } | { readonly client: pg.PoolClient },
  resourceId: number,
  fn: (market: MarketTransaction) => Promise<T>,
): Promise<T> {
  const work = async (client: pg.PoolClient) => {
    await lockMarket(client, resourceId);
    return fn(marketTransaction(client, resourceId));
  };
  if ('client' in on) return clientRunner(on.client).write(() => work(on.client));
  return inTransaction(on.pool, work);
}
