import type { Redis } from 'ioredis';
import { ErrorCode, TessError } from './error-codes.js';
import { isValidInterval } from '../engine/intervals.js';
import { ORDER_LIMIT_NAMES, type OrderLimits, orderLimitKeys, orderLimits } from '../engine/order-limits.js';
import type { Database, PrincipalRow } from '../storage/index.js';
import { RecentMap } from './recent-map.js';

/** Channel on which API processes tell each other that tokens, users, devices or config changed. */
export const INVALIDATE_CHANNEL = 'tess:api:invalidate';

/** Longest a cached token, role or config value lives even if an invalidation were lost. */
const TTL_MS = 30_000;
const LIMIT = 100_000;
/** Longest a change's answer waits for its invalidation to reach Redis. */
const PUBLISH_WAIT_MS = 250;

/** Where a failed invalidation is reported: a request's logger. */
export interface Warner {
  warn(message: string): void;
}

/** For callers without a logger: Node's process warnings (stderr). */
const PROCESS_WARNINGS: Warner = { warn: (message) => process.emitWarning(message) };

interface Cached<T> {
  readonly value: T;
  readonly expires: number;
}

/**
 * Lookups the API makes on every request (who a token stands for, a device's system, a
 * system's interval, ids of systems and resources by name), cached in memory.
 *
 * Ids of systems and resources by name never change and are kept. Everything that a
 * `set` can change (tokens, roles, device owners, config) is cached only while this
 * process listens on Redis: every change made through the API clears the caches of
 * all API processes (INVALIDATE_CHANNEL) before it is answered (best-effort: see
 * invalidate), and a reconnect of the listener clears them too, since messages may have
 * been missed. Without a listener those lookups always read the database.
 */
export class Directory {
  // Bounded by recency: unknown tokens are cached too, and must not push out live ones.
  private readonly principals = new RecentMap<string, Cached<PrincipalRow | null>>(LIMIT);
  private readonly deviceSystems = new RecentMap<number, Cached<number | null>>(LIMIT);
  private readonly intervals = new RecentMap<number, Cached<number>>(LIMIT);
  /** Order limits by market (system and resource entry ids). */
  private readonly limits = new RecentMap<string, Cached<OrderLimits>>(LIMIT);
  private readonly systems = new Map<string, number>();
  private readonly resources = new Map<string, number>();
  private readonly systemNames = new Map<number, string>();
  /** Bumped by every invalidation: a lookup that started before one is not cached. */
  private generation = 0;
  /** Loads under way, per cache and key: concurrent misses of one key share one query. */
  private readonly loading = new WeakMap<
    object,
    Map<unknown, { generation: number; value: Promise<unknown> }>
  >();
  private listening = false;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly redis: Redis,
    private readonly subscriber: Redis | undefined,
  ) {}

  /** Starts listening for invalidations (when a subscriber connection was given). */
  async start(): Promise<void> {
    const sub = this.subscriber;
    if (!sub) return;
    const onMessage = (channel: string) => {
      if (channel === INVALIDATE_CHANNEL) this.clear();
    };
    const onReady = () => {
      this.clear();
      this.listening = true;
    };
    const onDown = () => {
      this.listening = false;
      this.clear();
    };
    sub.on('message', onMessage);
    sub.on('ready', onReady);
    sub.on('close', onDown);
    sub.on('reconnecting', onDown);
    this.detach.push(
      () => sub.off('message', onMessage),
      () => sub.off('ready', onReady),
      () => sub.off('close', onDown),
      () => sub.off('reconnecting', onDown),
    );
    await sub.subscribe(INVALIDATE_CHANNEL);
    this.listening = sub.status === 'ready';
  }

  stop(): void {
    for (const off of this.detach.splice(0)) off();
    this.listening = false;
    this.clear();
  }

  private get caching(): boolean {
    return this.listening && this.subscriber?.status === 'ready';
  }

  /** Drops every cached value that a change could affect (this process only). */
  clear(): void {
    this.generation++;
    this.principals.clear();
    this.deviceSystems.clear();
    this.intervals.clear();
    this.limits.clear();
  }

  /**
   * Clears the caches here at once and in every other API process, after a change has
   * committed: the change stands whatever Redis does, so its answer never fails for
   * this. With Redis up the publish is awaited (the other processes have dropped their
   * caches before the caller hears of the change), but at most PUBLISH_WAIT_MS; with
   * Redis down (its connection not ready) it is not awaited at all. A publish that fails
   * is logged. The other processes still see the change: their listeners are down too,
   * so they do not cache (and clear everything once back), and a process that still
   * listens keeps a stale value at most TTL_MS.
   */
  async invalidate(log: Warner = PROCESS_WARNINGS): Promise<void> {
    this.clear();
    const warn = (why: string) =>
      log.warn(
        `cache invalidation not published (${why}): other API processes see the change within ${TTL_MS / 1000} s`,
      );
    const published = this.redis.publish(INVALIDATE_CHANNEL, '*').then(
      () => true,
      (err: unknown) => {
        warn((err as Error).message);
        return true;
      },
    );
    if (this.redis.status !== 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PUBLISH_WAIT_MS);
    });
    const settled = await Promise.race([published, late]);
    clearTimeout(timer);
    if (!settled) warn(`Redis did not answer within ${PUBLISH_WAIT_MS} ms; still trying`);
  }

  private async cached<K, T>(map: RecentMap<K, Cached<T>>, key: K, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    if (this.caching) {
      const hit = map.get(key);
      if (hit && hit.expires > now) return hit.value;
    }
    if (!this.caching) return load();
    // A burst of requests for one uncached token (after a restart or an invalidation)
    // would otherwise send as many identical queries; one started before an
    // invalidation is not shared with requests after it.
    let pending = this.loading.get(map);
    if (!pending) {
      pending = new Map();
      this.loading.set(map, pending);
    }
    const shared = pending.get(key);
    if (shared && shared.generation === this.generation) return shared.value as Promise<T>;
    const generation = this.generation;
    const value = load().then((v) => {
      if (generation === this.generation) map.set(key, { value: v, expires: now + TTL_MS });
      return v;
    });
    const entry = { generation, value };
    pending.set(key, entry);
    const done = () => {
      if (pending.get(key) === entry) pending.delete(key);
    };
    value.then(done, done);
    return value;
  }

  /** The token with this unique_id joined with its user's and device's current rows. */
  principal(tokenUniqueId: string): Promise<PrincipalRow | null> {
    return this.cached(this.principals, tokenUniqueId, () => this.db.findPrincipal(tokenUniqueId));
  }

  /** The system (entry id) a device belongs to through its current owner; null when no such device. */
  deviceSystem(deviceId: number): Promise<number | null> {
    return this.cached(this.deviceSystems, deviceId, async () => {
      const device = await this.db.current('device', deviceId);
      if (!device) return null;
      const owner = await this.db.current('user', device.user_id);
      return owner?.system_id ?? null;
    });
  }

  /** The market interval of a system in seconds (its `interval` config). */
  interval(systemId: number): Promise<number> {
    return this.cached(this.intervals, systemId, async () => {
      const text = await this.db.configValue(systemId, 'interval');
      const seconds = Number(text);
      if (text === undefined || text === null || !isValidInterval(seconds)) {
        throw new TessError(
          ErrorCode.INTERNAL,
          `system ${systemId} has no usable interval config (${JSON.stringify(text ?? null)})`,
        );
      }
      return seconds;
    });
  }

  /**
   * The order limits of one market (engine/order-limits.ts) from its system's config,
   * cached like `interval`: config changes through the API reach every process at once.
   */
  orderLimits(systemId: number, resourceId: number): Promise<OrderLimits> {
    return this.cached(this.limits, `${systemId}:${resourceId}`, async () => {
      const resource = await this.db.current('resource', resourceId);
      const name = resource?.name ?? '';
      const keys = ORDER_LIMIT_NAMES.flatMap((limit) => orderLimitKeys(name, limit));
      return orderLimits(await this.db.configValues(systemId, keys), name);
    });
  }

  /** Entry id of the system with this name, or null. */
  async systemId(name: string): Promise<number | null> {
    const hit = this.systems.get(name);
    if (hit !== undefined) return hit;
    const id = await this.db.systemIdByName(name);
    if (id !== null) this.systems.set(name, id);
    return id;
  }

  /** Name of the system with this entry id, or null. */
  async systemName(id: number): Promise<string | null> {
    const hit = this.systemNames.get(id);
    if (hit !== undefined) return hit;
    const row = await this.db.current('system', id);
    if (row) this.systemNames.set(id, row.name);
    return row?.name ?? null;
  }

  /** Entry id of a system's resource with this name, or null. */
  async resourceId(systemId: number, name: string): Promise<number | null> {
    const key = `${systemId}\u0000${name}`;
    const hit = this.resources.get(key);
    if (hit !== undefined) return hit;
    const id = await this.db.resourceIdByName(systemId, name);
    if (id !== null) this.resources.set(key, id);
    return id;
  }
}
