import type pg from 'pg';
import { translatePgError } from './pg-errors.js';

/**
 * Where statements run: each operation in its own transaction on a pool, or every
 * operation on one client inside a transaction the caller opened (Database.transaction).
 */
export interface Runner {
  /** Runs `fn` inside a transaction (a new one, or the caller's). */
  write<T>(fn: (client: pg.PoolClient | pg.Client) => Promise<T>): Promise<T>;
  /** Runs a read. */
  read<T>(fn: (client: pg.Pool | pg.PoolClient | pg.Client) => Promise<T>): Promise<T>;
}

/**
 * Runs `fn` on one client of `pool` between BEGIN and COMMIT (ROLLBACK when it throws),
 * and releases the client. What fails, connecting included, comes out translated
 * (storage/pg-errors.ts). Every transaction storage opens on the pool opens here.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((err) => Promise.reject(translatePgError(err)));
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw translatePgError(err);
  } finally {
    client.release();
  }
}

export function poolRunner(pool: pg.Pool): Runner {
  return {
    write: (fn) => inTransaction(pool, fn),
    async read(fn) {
      try {
        return await fn(pool);
      } catch (err) {
        throw translatePgError(err);
      }
    },
  };
}

export function clientRunner(client: pg.PoolClient | pg.Client): Runner {
  const run = async <T>(fn: (c: pg.PoolClient | pg.Client) => Promise<T>): Promise<T> => {
    try {
      return await fn(client);
    } catch (err) {
      throw translatePgError(err);
    }
  };
  return { write: run, read: run };
}
