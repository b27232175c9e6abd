// Object memory carved from reused slabs: blobs for an object store whose reader is done with each blob before its
// next read (ObjectStoreOptions.recycleBlobs: the audit's matcher worker), and trees whose holders say when they are
// done (ObjectStoreOptions.recycleTrees, GitObject.holds: the caches and the diff in progress).
// Owns: handing out buffers from large ArrayBuffers and taking a slab back once every buffer cut from it is released.
// May import: nothing.
//
// Why: every blob the worker rebuilt (a delta applied, a base inflated) was a fresh ArrayBuffer. Fresh memory costs a
// page fault per 4 KiB on first touch, and ArrayBuffers are memory V8 counts as external: each ~64 MB of it started
// a full collection of the worker's heap. Slabs are allocated once and reused: the delta cache drops blobs roughly in
// the order it made them, so a slab empties as a whole and is handed out again. Express, 6 alternating rounds:
// 2.70 vs 2.81 s, 4.43 vs 4.57 s of CPU. Memory stays bounded by design: at most maxSlabs slabs exist (64 MiB by
// default; express used 64); past that, blobs get memory of their own as before.

/** One slab: the memory, the bytes handed out so far, and how many handed-out buffers are still in use. */
export interface Slab {
  readonly memory: ArrayBuffer;
  used: number;
  live: number;
}

export class SlabAllocator {
  private current: Slab | null = null;
  private readonly free: Slab[] = [];
  /** Each slab by its memory: a buffer cut from a slab has that memory as its `buffer`. */
  private readonly byMemory = new WeakMap<ArrayBuffer, Slab>();
  /** Slabs in existence (current, free, or held by buffers in use), at most maxSlabs. */
  private slabs = 0;
  /** Times an emptied slab was handed out again (for tests and benchmarks). */
  reuses = 0;

  constructor(
    /**
     * Bytes per slab; buffers above a quarter of it are not served (the caller allocates them itself). 1 MiB: one blob
     * the cache keeps longer (a base used again) holds its whole slab, so smaller slabs are freed sooner (16 MiB
     * slabs took express from 75k to 99k page faults).
     */
    readonly slabBytes = 1024 * 1024,
    /** Empty slabs kept for reuse (at most 32 MiB by default); beyond that they are left to the garbage collector. */
    private readonly keepFree = 32,
    /**
     * Slabs at most (64 MiB by default): one buffer in use holds its whole slab, so without a cap a cache of many
     * small, scattered survivors could hold a slab each. At the cap, alloc declines and the caller allocates.
     */
    private readonly maxSlabs = 64,
  ) {}

  /** A buffer of `size` bytes and its slab (pass it to release when done), or null when `size` is too large. */
  alloc(size: number): { buf: Buffer; slab: Slab } | null {
    if (size > this.slabBytes >> 2) return null;
    let s = this.current;
    if (s === null || s.used + size > this.slabBytes) {
      if (s !== null && s.live === 0) this.retire(s);
      this.current = null;
      s = this.free.pop() ?? null;
      if (s !== null) this.reuses++;
      if (s === null) {
        if (this.slabs >= this.maxSlabs) return null;
        s = { memory: new ArrayBuffer(this.slabBytes), used: 0, live: 0 };
        this.byMemory.set(s.memory, s);
        this.slabs++;
      }
      this.current = s;
    }
    const buf = Buffer.from(s.memory, s.used, size);
    // 8-byte steps keep every buffer aligned like a fresh one.
    s.used += (size + 7) & ~7;
    s.live++;
    return { buf, slab: s };
  }

  /** The slab a buffer was cut from, if it was (a buffer of any other memory: undefined). */
  slabOf(buf: Uint8Array): Slab | undefined {
    return buf.buffer instanceof ArrayBuffer ? this.byMemory.get(buf.buffer) : undefined;
  }

  /** The buffer cut from `slab` is no longer used by anyone: its bytes may be handed out again. */
  release(slab: Slab): void {
    slab.live--;
    if (slab.live === 0 && slab !== this.current) this.retire(slab);
  }

  private retire(s: Slab): void {
    s.used = 0;
    if (this.free.length < this.keepFree) this.free.push(s);
    else this.slabs--;
  }

  /** Slabs in existence (for tests). */
  get count(): number {
    return this.slabs;
  }
}
