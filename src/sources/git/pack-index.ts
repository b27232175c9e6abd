// Reader for git pack index files, version 2 (the only version git has written since 1.5.2; v1 is refused clearly).
// Owns: oid -> pack offset lookup (fanout + binary search, 64-bit offsets) and per-pack end-of-entry computation.
// May import: node:fs, ./errors.
//
// The .idx is read lazily: a pre-commit hook looks up a handful of objects in a pack of hundreds of thousands, and
// reading a 10 MB .idx into a fresh buffer costs more (page faults) than everything else it does. Until LOAD_AFTER
// lookups, only the fanout table is held and each lookup reads its fanout bucket (1/256 of the table); after that,
// or as soon as something needs every entry (sorted offsets, listings), the whole file is read once, as git mmaps it.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { objectCorrupt } from './errors.js';

const IDX_MAGIC = 0xff744f63; // "\377tOc"
/** Single lookups served by bucket reads before the whole index is loaded. */
const LOAD_AFTER = 64;

export class PackIndex {
  readonly count: number;
  private buf: Buffer | undefined;
  private readonly fanout: Buffer;
  private readonly size: number;
  private readonly oidBase: number;
  private readonly off32Base: number;
  private readonly off64Base: number;
  private sorted: Float64Array | null = null;
  private lookups = 0;
  /** Open while entries are read one by one (closed by `close()` or once the whole file is loaded). */
  private fd = -1;

  constructor(
    readonly path: string,
    buf?: Buffer,
  ) {
    let head: Buffer;
    if (buf !== undefined) {
      this.buf = buf;
      head = buf;
      this.size = buf.length;
    } else {
      const fd = openSync(path, 'r');
      try {
        this.size = fstatSync(fd).size;
        head = Buffer.alloc(Math.min(this.size, 8 + 1024));
        readSync(fd, head, 0, head.length, 0);
      } finally {
        closeSync(fd);
      }
    }
    if (this.size < 8 + 1024 + 40 || head.readUInt32BE(0) !== IDX_MAGIC) {
      throw objectCorrupt(null, 'not a version 2 pack index', { pack: path });
    }
    const version = head.readUInt32BE(4);
    if (version !== 2) throw objectCorrupt(null, `unsupported pack index version ${version}`, { pack: path });
    this.fanout = head.subarray(8, 8 + 1024);
    this.count = this.fanout.readUInt32BE(255 * 4);
    this.oidBase = 8 + 1024;
    this.off32Base = this.oidBase + this.count * 24; // oids (20) + crc32 (4)
    this.off64Base = this.off32Base + this.count * 4;
    if (this.size < this.off64Base + 40) throw objectCorrupt(null, 'pack index is truncated', { pack: path });
  }

  /** The whole index in memory (read on first need). */
  private full(): Buffer {
    if (this.buf === undefined) {
      const b = readFileSync(this.path);
      if (b.length !== this.size) throw objectCorrupt(null, 'pack index changed while it was read', { pack: this.path });
      this.buf = b;
      this.close();
    }
    return this.buf;
  }

  /** Where the bytes `bytes` returned start in the buffer it returned. */
  private at = 0;

  /**
   * The buffer holding `len` bytes at `pos` (they start at `this.at` in it): the whole index once loaded, else one
   * positional read. Not a [buffer, offset] pair: that was an array per lookup, two per located object (~0.1 GB of
   * the 200k-commit audit's main-thread garbage).
   */
  private bytes(pos: number, len: number): Buffer {
    if (this.buf !== undefined) {
      this.at = pos;
      return this.buf;
    }
    const b = Buffer.allocUnsafe(len);
    if (this.fd === -1) this.fd = openSync(this.path, 'r');
    if (readSync(this.fd, b, 0, len, pos) !== len) throw objectCorrupt(null, 'pack index is truncated', { pack: this.path });
    this.at = 0;
    return b;
  }

  /** Closes the file held for single reads (the index stays usable: it reopens or loads as needed). */
  close(): void {
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }

  /** The checksum of the pack this index describes (last 40..20 bytes of the idx). */
  packChecksum(): string {
    const b = this.bytes(this.size - 40, 20);
    const o = this.at;
    return b.toString('hex', o, o + 20);
  }

  /** Position of `oid` (20 raw bytes) in the sorted table, or -1. */
  find(oid: Uint8Array): number {
    const first = oid[0] ?? 0;
    let lo = first === 0 ? 0 : this.fanout.readUInt32BE((first - 1) * 4);
    let hi = this.fanout.readUInt32BE(first * 4);
    if (lo >= hi) return -1;
    if (this.buf === undefined && ++this.lookups > LOAD_AFTER) this.full();
    // The bucket's oids, from memory or read on their own.
    const bucketLo = lo;
    const b = this.bytes(this.oidBase + lo * 20, (hi - lo) * 20);
    const o = this.at;
    const base = o - bucketLo * 20;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      let c = 0;
      const at = base + mid * 20;
      for (let k = 0; k < 20 && c === 0; k++) c = (b[at + k] ?? 0) - (oid[k] ?? 0);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** Range [lo, hi) of table positions whose oid starts with the given hex prefix (for abbreviated oids). */
  findPrefix(hexPrefix: string): number[] {
    const out: number[] = [];
    if (hexPrefix.length < 2) return out;
    this.full();
    const first = parseInt(hexPrefix.slice(0, 2), 16);
    const lo = first === 0 ? 0 : this.fanout.readUInt32BE((first - 1) * 4);
    const hi = this.fanout.readUInt32BE(first * 4);
    for (let i = lo; i < hi; i++) if (this.oidAt(i).startsWith(hexPrefix)) out.push(i);
    return out;
  }

  oidAt(i: number): string {
    const b = this.bytes(this.oidBase + i * 20, 20);
    const o = this.at;
    return b.toString('hex', o, o + 20);
  }

  offsetAt(i: number): number {
    const b = this.bytes(this.off32Base + i * 4, 4);
    const o = this.at;
    const v = b.readUInt32BE(o);
    if ((v & 0x80000000) === 0) return v;
    const j = v & 0x7fffffff;
    const p = this.off64Base + j * 8;
    if (p + 8 > this.size - 40) throw objectCorrupt(this.oidAt(i), 'bad 64-bit offset in pack index', { pack: this.path });
    const c = this.bytes(p, 8);
    const q = this.at;
    return c.readUInt32BE(q) * 0x100000000 + c.readUInt32BE(q + 4);
  }

  /** Whether `nextOffset` is cheap (the sorted offsets exist); readers of a few objects can bound entries otherwise. */
  get hasSortedOffsets(): boolean {
    return this.sorted !== null;
  }

  /** Offsets of all entries, ascending (built once, 8 bytes per object). */
  sortedOffsets(): Float64Array {
    if (this.sorted === null) {
      this.full();
      const a = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) a[i] = this.offsetAt(i);
      a.sort();
      this.sorted = a;
    }
    return this.sorted;
  }

  /** Searches of the sorted offsets (nextOffset) so far: tests check that in-memory packs need none. */
  nextOffsetCalls = 0;

  /** Offset of the entry following the one at `offset`, or `packEnd` if it is the last. */
  nextOffset(offset: number, packEnd: number): number {
    this.nextOffsetCalls++;
    const a = this.sortedOffsets();
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((a[mid] ?? 0) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < a.length ? (a[lo] ?? packEnd) : packEnd;
  }

  /** Table positions ordered by pack offset (4 bytes per object, built on demand, not kept). */
  positionsByOffset(): Uint32Array {
    this.full();
    const pos = new Uint32Array(this.count);
    const off = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) {
      pos[i] = i;
      off[i] = this.offsetAt(i);
    }
    pos.sort((a, b) => (off[a] ?? 0) - (off[b] ?? 0));
    return pos;
  }

  /** Yields every oid in the index (sorted). */
  *oids(): Generator<string> {
    this.full();
    for (let i = 0; i < this.count; i++) yield this.oidAt(i);
  }
}
