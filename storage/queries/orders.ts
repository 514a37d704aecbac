import type { Queryable } from './current.js';

/** A new order with every reference already an entry id and a freshly generated unique_id. */
export interface NewOrder {
  readonly unique_id: string;
  readonly device_id: number;
  readonly resource_id: number;
  readonly interval_start: Date;
  readonly side: 'buy' | 'sell';
  readonly quantity: number;
  readonly price: number;
}

/**
 * Adds many new orders in one multi-row statement (its own transaction: durable once it
 * returns) and answers their order ids in input order. For intake only: unique_ids must
 * be new (generated, e.g. random UUIDs), device and resource ids entry ids; the table's
 * constraints still check sides, quantities and references, and the statement as a whole
 * fails if any row is refused.
 */
export async function insertNewOrders(db: Queryable, rows: readonly NewOrder[]): Promise<number[]> {
  const { rows: out } = await db.query(
    `INSERT INTO "order" (unique_id, device_id, resource_id, interval_start, side, quantity, price)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[],
                          $6::float8[], $7::float8[])
     RETURNING order_id, unique_id`,
    [
      rows.map((r) => r.unique_id),
      rows.map((r) => r.device_id),
      rows.map((r) => r.resource_id),
      rows.map((r) => r.interval_start),
      rows.map((r) => r.side),
      rows.map((r) => r.quantity),
      rows.map((r) => r.price),
    ],
  );
  const ids = new Map<string, number>(out.map((r) => [r.unique_id as string, r.order_id as number]));
  return rows.map((r) => {
    const id = ids.get(r.unique_id);
    if (id === undefined) throw new Error(`order ${r.unique_id} was not inserted`);
    return id;
  });
}
