import { FormatRegistry, type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Redis } from 'ioredis';
import type { Database, PriceRow } from '../storage/index.js';
import { DEFAULT_PREFIX, PriceMessage, priceChannelPattern, priceMessage } from '../workers/price-channel.js';
import type { Directory } from './directory.js';

/** A price as GET /prices/current serves it: the runtime's message, plus when its interval cleared. */
// The message's times are `format: date-time`; Value.Check knows a format only once it
// is registered. isTime below still checks that each one parses.
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (v: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v),
  );

export const PriceView = Type.Composite([
  PriceMessage,
  Type.Object({ cleared_at: Type.String({ format: 'date-time', description: 'end of the interval' }) }),
]);
export type PriceView = Static<typeof PriceView>;

/** A price ready to send: serialized once, with its validator. */
export interface ServedPrice {
  readonly body: string;
  readonly etag: string;
  readonly intervalStart: number;
  readonly priceId: number;
  /** Until when this entry is served without looking for a newer price (ms since epoch). */
  readonly checkAfter: number;
}

/** A price read back from the database that is older than expected is looked up again after this. */
const STALE_RECHECK_MS = 1_000;

function serve(view: PriceView, checkAfter: number): ServedPrice {
  return {
    body: JSON.stringify(view),
    etag: `"${view.price_id}"`,
    intervalStart: Date.parse(view.interval_start),
    priceId: view.price_id,
    checkAfter,
  };
}

export function viewOfRow(row: PriceRow, system: string, systemId: number, resource: string): PriceView {
  const { next_boundary, ...message } = priceMessage(row, { system, system_id: systemId, resource });
  const clearedAt = row.interval_start.getTime() + row.interval_seconds * 1000;
  return { ...message, cleared_at: new Date(clearedAt).toISOString(), next_boundary };
}

const isTime = (v: string): boolean => !Number.isNaN(Date.parse(v));

/** Why a price message was ignored. */
export type IgnoredBecause =
  | 'not JSON'
  | 'not a price message'
  /** Not this database's system or resource under that id and name (another deployment). */
  | 'unknown system'
  | 'unknown resource'
  | 'interval not begun'
  /** The price held is of a later interval, or is this one. */
  | 'not newer'
  /** No stored price of the message's resource and interval under its price_id. */
  | 'price not stored'
  /** A lookup failed (database or directory unavailable). */
  | 'failed';

/** What became of a price message: the price it names is served, or it was ignored. */
export type MessageOutcome =
  | { readonly taken: true }
  | { readonly taken: false; readonly because: IgnoredBecause };

/** A message from Redis as the cache handled it (JSON parsed; the text when it is not JSON). */
export type HandledMessage = { readonly channel: string; readonly message: unknown } & MessageOutcome;

const TAKEN: MessageOutcome = { taken: true };
const ignored = (because: IgnoredBecause): MessageOutcome => ({ taken: false, because });

/**
 * The latest cleared price of each resource, in memory. Refreshed by the runtime's
 * message on Redis after each interval commits; read from the database when no
 * message has brought it (at start, or when the expected message is late).
 */
export class PriceCache {
  /** "system_id:resource_id" → price. */
  private readonly prices = new Map<string, ServedPrice>();
  /** "system name\0resource name" → "system_id:resource_id" (ids never change). */
  private readonly names = new Map<string, { key: string; systemId: number; resourceId: number }>();
  private detach: (() => void) | null = null;
  /** Messages received and applied (for tests and metrics). */
  applied = 0;
  /** The last report to the observer: each next one waits for it. */
  private reported: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly directory: Directory,
    private readonly now: () => Date,
    /** The deployment's QUEUE_PREFIX, under which the runtime publishes. */
    private readonly prefix: string = DEFAULT_PREFIX,
    /**
     * Hears of each message from Redis once it is handled, in the order the messages came
     * (though they are handled concurrently): once it hears of one, every message before
     * it has been handled too. @defaultValue none
     */
    private readonly observe?: (handled: HandledMessage) => void,
  ) {}

  async start(subscriber: Redis | undefined): Promise<void> {
    if (!subscriber) return;
    const onMessage = (_pattern: string, channel: string, text: string) => {
      let message: unknown = text;
      let outcome: Promise<MessageOutcome>;
      try {
        message = JSON.parse(text);
        outcome = this.handle(message).catch(() => ignored('failed'));
      } catch {
        outcome = Promise.resolve(ignored('not JSON'));
      }
      const observe = this.observe;
      if (!observe) return;
      this.reported = this.reported
        .then(() => outcome)
        .then((o) => observe({ channel, message, ...o }))
        .catch(() => {});
    };
    subscriber.on('pmessage', onMessage);
    this.detach = () => subscriber.off('pmessage', onMessage);
    await subscriber.psubscribe(priceChannelPattern(this.prefix));
  }

  stop(): void {
    this.detach?.();
    this.detach = null;
  }

  /** Whether a message is taken (handle). */
  async onMessage(m: unknown): Promise<boolean> {
    return (await this.handle(m)).taken;
  }

  /**
   * Applies a PriceMessage; anything else (not of the PriceMessage schema, or with times that
   * do not parse) is ignored, and the outcome says why. Messages about a system or resource this database does not
   * know under that id and name (another deployment on the same Redis) are ignored, as
   * are messages older than the price held. A message is only a hint: the price served
   * is the row it names, read back from the database, and only if that row is of the
   * message's resource and interval and its interval has begun; the message's
   * next_boundary is kept within the price's own next interval. So a forged or stray
   * message can neither serve a price that was never committed nor hold the cache shut
   * against later prices.
   */
  async handle(m: unknown): Promise<MessageOutcome> {
    if (!Value.Check(PriceMessage, m)) return ignored('not a price message');
    if (!isTime(m.interval_start) || !isTime(m.next_boundary)) return ignored('not a price message');
    if ((await this.directory.systemName(m.system_id)) !== m.system) return ignored('unknown system');
    if ((await this.directory.resourceId(m.system_id, m.resource)) !== m.resource_id) {
      return ignored('unknown resource');
    }
    const key = `${m.system_id}:${m.resource_id}`;
    const start = Date.parse(m.interval_start);
    if (start > this.now().getTime()) return ignored('interval not begun');
    const held = this.prices.get(key);
    if (held && (held.intervalStart > start || held.priceId === m.price_id)) return ignored('not newer');
    const row = await this.db.price.get(m.price_id);
    if (!row || row.resource_id !== m.resource_id || row.interval_start.getTime() !== start) {
      return ignored('price not stored');
    }
    const view = viewOfRow(row, m.system, m.system_id, m.resource);
    const latest = Date.parse(view.next_boundary);
    const next = Math.min(Math.max(Date.parse(m.next_boundary), Date.parse(view.cleared_at)), latest);
    this.prices.set(key, serve({ ...view, next_boundary: new Date(next).toISOString() }, next));
    this.applied++;
    return TAKEN;
  }

  /** The ids behind a system and resource name; null when either does not exist. */
  async resolve(
    system: string,
    resource: string,
  ): Promise<{ key: string; systemId: number; resourceId: number } | null> {
    const nameKey = `${system}\u0000${resource}`;
    const hit = this.names.get(nameKey);
    if (hit) return hit;
    const systemId = await this.directory.systemId(system);
    if (systemId === null) return null;
    const resourceId = await this.directory.resourceId(systemId, resource);
    if (resourceId === null) return null;
    const ids = { key: `${systemId}:${resourceId}`, systemId, resourceId };
    if (this.names.size > 10_000) this.names.clear();
    this.names.set(nameKey, ids);
    return ids;
  }

  /** The held price if it is still current (no I/O); undefined when it must be looked up. */
  peek(system: string, resource: string, now: number): ServedPrice | undefined {
    const ids = this.names.get(`${system}\u0000${resource}`);
    if (!ids) return undefined;
    const held = this.prices.get(ids.key);
    return held && held.intervalStart <= now && now < held.checkAfter ? held : undefined;
  }

  /** The current price, from memory or else the database; null when none has cleared yet. */
  async current(system: string, resource: string): Promise<ServedPrice | null> {
    const now = this.now().getTime();
    const ids = await this.resolve(system, resource);
    if (!ids) return null;
    const held = this.prices.get(ids.key);
    if (held && held.intervalStart <= now && now < held.checkAfter) return held;
    const row = await this.db.latestPrice(ids.resourceId, null, new Date(now));
    if (!row) return null;
    const again = this.prices.get(ids.key);
    if (
      again &&
      again.intervalStart <= now &&
      again.intervalStart >= row.interval_start.getTime() &&
      now < again.checkAfter
    )
      return again;
    const view = viewOfRow(row, system, ids.systemId, resource);
    const supersededAt = Date.parse(view.next_boundary);
    const served = serve(view, supersededAt > now ? supersededAt : now + STALE_RECHECK_MS);
    this.prices.set(ids.key, served);
    return served;
  }

  /** The price in effect at a past time (not cached). */
  async asof(system: string, resource: string, asof: Date): Promise<ServedPrice | null> {
    const ids = await this.resolve(system, resource);
    if (!ids) return null;
    const row = await this.db.latestPrice(ids.resourceId, asof);
    if (!row) return null;
    return serve(viewOfRow(row, system, ids.systemId, resource), 0);
  }
}
