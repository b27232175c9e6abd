// A cache bounded by a byte budget (and optionally an entry count), with approximately-LRU eviction.
// Owns: eviction policy for the object layer's caches (delta bases, parsed trees, pack blocks, memos).
// May import: nothing.

interface Entry<V> {
  value: V;
  size: number;
}

/**
 * Two generations: new and recently used entries live in `young`; when `young` reaches half the budget it becomes
 * `old` and the previous `old` is dropped whole. A hit in `old` moves the entry back to `young`. Every operation is
 * O(1): an exact LRU moved the entry on every hit (a Map delete and set), which cost 5–7 % of an audit.
 * What stays cached: everything used within the last half-budget of insertions, which is what an LRU of half the
 * size keeps, and usually much more.
 */
export class LruCache<K, V> {
  private young = new Map<K, Entry<V>>();
  private old = new Map<K, Entry<V>>();
  private youngBytes = 0;
  private oldBytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntries: number = Number.POSITIVE_INFINITY,
    /** Called with each value the cache drops to make room (not with values replaced by set, nor on clear). */
    private readonly onEvict: ((v: V) => void) | null = null,
  ) {}

  get size(): number {
    return this.young.size + this.old.size;
  }

  get bytes(): number {
    return this.youngBytes + this.oldBytes;
  }

  get(key: K): V | undefined {
    const y = this.young.get(key);
    if (y !== undefined) return y.value;
    const o = this.old.get(key);
    if (o === undefined) return undefined;
    this.old.delete(key);
    this.oldBytes -= o.size;
    this.insertYoung(key, o);
    return o.value;
  }

  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }

  /** Inserts; values larger than half the budget are not cached at all (then: false). */
  set(key: K, value: V, size: number): boolean {
    if (size > this.maxBytes / 2) return false;
    const y = this.young.get(key);
    if (y !== undefined) {
      this.youngBytes -= y.size;
      this.young.delete(key);
    }
    const o = this.old.get(key);
    if (o !== undefined) {
      this.oldBytes -= o.size;
      this.old.delete(key);
    }
    this.insertYoung(key, { value, size });
    return true;
  }

  /**
   * Inserts a key the caller has just missed with `get` (and has not inserted since): set without its two lookups
   * for an entry to replace. Values larger than half the budget are not cached (then: false).
   */
  add(key: K, value: V, size: number): boolean {
    if (size > this.maxBytes / 2) return false;
    this.insertYoung(key, { value, size });
    return true;
  }

  private insertYoung(key: K, e: Entry<V>): void {
    if (this.youngBytes + e.size > this.maxBytes / 2 || this.young.size + 1 > this.maxEntries / 2) {
      if (this.onEvict !== null) for (const d of this.old.values()) this.onEvict(d.value);
      this.old = this.young;
      this.oldBytes = this.youngBytes;
      this.young = new Map();
      this.youngBytes = 0;
    }
    this.young.set(key, e);
    this.youngBytes += e.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
    this.youngBytes = 0;
    this.oldBytes = 0;
  }
}
