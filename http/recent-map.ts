/**
 * A Map bounded by recency: at `limit` entries, adding one drops the least recently
 * used. A cache that is cleared wholesale when full lets anyone who can fill it (random
 * tokens, each cached as "unknown") empty it of every live entry at will; evicting by
 * recency keeps the entries in use.
 */
export class RecentMap<K, V> {
  /** A Map iterates in insertion order: re-inserting on use keeps the oldest first. */
  private readonly map = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.limit) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}
