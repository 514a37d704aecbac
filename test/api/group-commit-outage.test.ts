import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intervalStart } from '../../engine/intervals.js';
import type { OrderIntake } from '../../http/context.js';
import { describeError } from '../../http/errors.js';
import type { GroupCommit } from '../../http/group-commit.js';
import { orderIntake } from '../../http/orders.js';
import { type Database, openDatabase } from '../../storage/index.js';
import { createMarket, type TestMarket } from '../helpers/market.js';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase({ system: `gc_outage_${process.pid}` });

/**
 * A TCP relay in front of the test's PostgreSQL. While it is down it drops every
 * connection at its first message (a new session's startup or a statement on an open
 * one), counting each: one count is one attempt to reach the database.
 */
class Relay {
  down = false;
  attempts = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => this.accept(client));
  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (chunk) => {
      if (this.down) {
        this.attempts++;
        client.destroy();
        upstream.destroy();
      } else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let relay: Relay;
let db: Database;
let market: TestMarket;
let intake: GroupCommit<OrderIntake>;
const logged: { level: string; msg: string; rows: number }[] = [];
const log = {
  warn: (obj: object, msg: string) =>
    logged.push({ level: 'warn', msg, rows: (obj as { rows: number }).rows }),
  error: (obj: object, msg: string) =>
    logged.push({ level: 'error', msg, rows: (obj as { rows: number }).rows }),
};

beforeAll(async () => {
  const url = new URL(t.test.url);
  relay = new Relay({ host: url.hostname, port: Number(url.port || 5432) });
  url.port = String(await relay.listen());
  db = await openDatabase(url.toString(), { system: `gc_outage_${process.pid}` });
  market = await createMarket(t.db, `gc_outage_market_${process.pid}`, 300, 2);
  // Every order of a test is submitted before the batch is written.
  intake = orderIntake(db, { delayMs: 50, log });
});
afterAll(async () => {
  await intake?.close();
  await db?.close();
  await relay?.close();
});

const anOrder = (price: number, deviceId = market.devices[0]!): OrderIntake => ({
  unique_id: randomUUID(),
  device_id: deviceId,
  resource_id: market.resourceId,
  interval_start: intervalStart(Date.now(), 300),
  side: 'buy',
  quantity: 1,
  price,
});

describe('group commit of order intake', () => {
  it('writes a batch refused for one order again order by order: the others are written', async () => {
    logged.length = 0;
    const results = await Promise.allSettled([
      intake.submit(anOrder(1)),
      intake.submit(anOrder(2, 987_654_321)),
      intake.submit(anOrder(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(describeError((results[1] as PromiseRejectedResult).reason).code).toBe('NOT_FOUND');
    expect(logged).toEqual([{ level: 'warn', msg: expect.stringContaining('one by one'), rows: 3 }]);
  });

  it('answers every order of a batch with an outage in one statement, not one per order, and logs it once', async () => {
    logged.length = 0;
    relay.down = true;
    relay.attempts = 0;
    const n = 50;
    const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => intake.submit(anOrder(i))));
    relay.down = false;
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const codes = new Set(results.map((r) => describeError((r as PromiseRejectedResult).reason).code));
    expect([...codes]).toEqual(['UNAVAILABLE']);
    expect(relay.attempts).toBe(1);
    expect(logged).toEqual([{ level: 'error', msg: expect.stringContaining('batch failed'), rows: n }]);
  });

  it('writes again once the database is back', async () => {
    const ids = await Promise.all([intake.submit(anOrder(4)), intake.submit(anOrder(5))]);
    expect(ids).toHaveLength(2);
    expect(await t.db.order.get(ids[0]!)).toMatchObject({ price: 4 });
  });
});
