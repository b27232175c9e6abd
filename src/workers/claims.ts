// Which thread reads and scans a blob: the first to claim its object id, in a hash set in shared memory.
// Owns: the claim table shared by the audit's main thread and its workers.
// May import: nothing (plain shared memory and Atomics).
//
// Why: in a long-history audit a worker diffs runs of commits (see the audit's sendDiffs) and, being there, reads and
// scans the blobs those diffs bring in, instead of sending the diffs back and waiting for the main thread to ask for
// each blob (a unit message, a promise and a result message per blob, and the commits held until the answers came).
// The main thread asks for the blobs of the commits it diffs itself. Each blob must still be scanned once: whoever
// claims its id first scans it, and the other side takes the result from there.
//
// A slot holds the first 16 bytes of an id (128 bits: a chance collision between two different blobs in a history of
// a million objects is ~1e-27). The all-zero key marks an empty slot, so an id whose first 16 bytes are zero is never
// recorded and every claim of it succeeds; so does every claim once the table is three quarters full. Both cases can
// only make a blob scanned twice, never not at all.

/** Words before the first slot: [0] the lock, [1] the number of keys; 4 keeps slots 16-byte aligned. */
const HEADER = 4;
const WORDS = 4;

export class OidClaims {
  private readonly words: Int32Array;
  private readonly mask: number;
  private readonly limit: number;

  private constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    const slots = (this.words.length - HEADER) / WORDS;
    this.mask = slots - 1;
    this.limit = Math.floor(slots * 0.75);
  }

  /** A table with room for `expected` ids (a power of two of slots, at most three quarters used by them). */
  static create(expected: number): OidClaims {
    let slots = 1024;
    while (slots * 0.75 < expected) slots *= 2;
    return new OidClaims(new SharedArrayBuffer((HEADER + slots * WORDS) * 4));
  }

  /** Another thread's view of the same table. */
  static adopt(buffer: SharedArrayBuffer): OidClaims {
    return new OidClaims(buffer);
  }

  /** Ids recorded so far. */
  get size(): number {
    return Atomics.load(this.words, 1);
  }

  /**
   * True when the caller is first to claim the id (a 40- or 64-digit hex object id) and must scan its blob; false
   * when a thread claimed it before.
   */
  claim(oid: string): boolean {
    const k0 = hexWord(oid, 0);
    const k1 = hexWord(oid, 8);
    const k2 = hexWord(oid, 16);
    const k3 = hexWord(oid, 24);
    if ((k0 | k1 | k2 | k3) === 0) return true;
    const w = this.words;
    // Held for a few dozen instructions by at most a handful of threads: a spin lock. A holder the OS has switched
    // out (more threads than cores: V8's collector threads) is waited for without burning the rest of our slice.
    for (let spins = 0; Atomics.compareExchange(w, 0, 0, 1) !== 0; spins++) if (spins >= 64) Atomics.wait(w, 0, 1, 0.05);
    try {
      // Object ids are hashes: their first word is already uniform.
      for (let i = k0 & this.mask; ; i = (i + 1) & this.mask) {
        const at = HEADER + i * WORDS;
        const s0 = w[at]!;
        const s1 = w[at + 1]!;
        const s2 = w[at + 2]!;
        const s3 = w[at + 3]!;
        if ((s0 | s1 | s2 | s3) === 0) {
          const n = w[1]!;
          if (n >= this.limit) return true;
          w[at] = k0;
          w[at + 1] = k1;
          w[at + 2] = k2;
          w[at + 3] = k3;
          w[1] = n + 1;
          return true;
        }
        if (s0 === k0 && s1 === k1 && s2 === k2 && s3 === k3) return false;
      }
    } finally {
      // Releases the lock; the Atomics store orders the slot writes before it for the next thread to take the lock.
      Atomics.store(w, 0, 0);
    }
  }
}

/** Eight hex digits from `at` as a 32-bit word (lower or upper case). */
function hexWord(hex: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i);
    const d = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
    v = (v << 4) | (d & 0xf);
  }
  return v;
}
