// A small LRU map bounded by a byte budget (and optionally an entry count).
// Owns: eviction policy for the object layer's caches (delta bases, parsed trees).
// May import: nothing.

/**
 * LRU cache bounded by the sum of caller-supplied sizes. Map iteration order is insertion order, so re-inserting on
 * hit moves an entry to the young end and the first key is always the eldest.
 */
export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; size: number }>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntries: number = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Inserts; values larger than the whole budget are not cached at all. */
  set(key: K, value: V, size: number): void {
    if (size > this.maxBytes) return;
    const old = this.map.get(key);
    if (old !== undefined) {
      this.total -= old.size;
      this.map.delete(key);
    }
    this.map.set(key, { value, size });
    this.total += size;
    while (this.total > this.maxBytes || this.map.size > this.maxEntries) {
      const eldest = this.map.keys().next();
      if (eldest.done === true) break;
      const e = this.map.get(eldest.value);
      this.map.delete(eldest.value);
      if (e !== undefined) this.total -= e.size;
    }
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
