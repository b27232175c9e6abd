// Reader for git pack index files, version 2 (the only version git has written since 1.5.2; v1 is refused clearly).
// Owns: oid -> pack offset lookup (fanout + binary search, 64-bit offsets) and per-pack end-of-entry computation.
// May import: node:fs, ./errors.
//
// The .idx is held in memory (28 bytes per object, about what git mmaps); the .pack never is.
import { readFileSync } from 'node:fs';
import { objectCorrupt } from './errors.js';

const IDX_MAGIC = 0xff744f63; // "\377tOc"

export class PackIndex {
  readonly count: number;
  private readonly buf: Buffer;
  private readonly oidBase: number;
  private readonly off32Base: number;
  private readonly off64Base: number;
  private sorted: Float64Array | null = null;

  constructor(
    readonly path: string,
    buf?: Buffer,
  ) {
    this.buf = buf ?? readFileSync(path);
    const b = this.buf;
    if (b.length < 8 + 1024 + 40 || b.readUInt32BE(0) !== IDX_MAGIC) {
      throw objectCorrupt(null, 'not a version 2 pack index', { pack: path });
    }
    const version = b.readUInt32BE(4);
    if (version !== 2) throw objectCorrupt(null, `unsupported pack index version ${version}`, { pack: path });
    this.count = b.readUInt32BE(8 + 255 * 4);
    this.oidBase = 8 + 1024;
    this.off32Base = this.oidBase + this.count * 24; // oids (20) + crc32 (4)
    this.off64Base = this.off32Base + this.count * 4;
    if (b.length < this.off64Base + 40) throw objectCorrupt(null, 'pack index is truncated', { pack: path });
  }

  /** The checksum of the pack this index describes (last 40..20 bytes of the idx). */
  packChecksum(): string {
    return this.buf.toString('hex', this.buf.length - 40, this.buf.length - 20);
  }

  /** Position of `oid` (20 raw bytes) in the sorted table, or -1. */
  find(oid: Uint8Array): number {
    const b = this.buf;
    const first = oid[0] ?? 0;
    let lo = first === 0 ? 0 : b.readUInt32BE(8 + (first - 1) * 4);
    let hi = b.readUInt32BE(8 + first * 4);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareAt(mid, oid);
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
    const first = parseInt(hexPrefix.slice(0, 2), 16);
    const lo = first === 0 ? 0 : this.buf.readUInt32BE(8 + (first - 1) * 4);
    const hi = this.buf.readUInt32BE(8 + first * 4);
    for (let i = lo; i < hi; i++) if (this.oidAt(i).startsWith(hexPrefix)) out.push(i);
    return out;
  }

  private compareAt(i: number, oid: Uint8Array): number {
    const b = this.buf;
    const base = this.oidBase + i * 20;
    for (let k = 0; k < 20; k++) {
      const d = (b[base + k] ?? 0) - (oid[k] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }

  oidAt(i: number): string {
    const base = this.oidBase + i * 20;
    return this.buf.toString('hex', base, base + 20);
  }

  offsetAt(i: number): number {
    const v = this.buf.readUInt32BE(this.off32Base + i * 4);
    if ((v & 0x80000000) === 0) return v;
    const j = v & 0x7fffffff;
    const p = this.off64Base + j * 8;
    if (p + 8 > this.buf.length - 40) throw objectCorrupt(this.oidAt(i), 'bad 64-bit offset in pack index', { pack: this.path });
    return this.buf.readUInt32BE(p) * 0x100000000 + this.buf.readUInt32BE(p + 4);
  }

  /** Offsets of all entries, ascending (built once, 8 bytes per object). */
  sortedOffsets(): Float64Array {
    if (this.sorted === null) {
      const a = new Float64Array(this.count);
      for (let i = 0; i < this.count; i++) a[i] = this.offsetAt(i);
      a.sort();
      this.sorted = a;
    }
    return this.sorted;
  }

  /** Offset of the entry following the one at `offset`, or `packEnd` if it is the last. */
  nextOffset(offset: number, packEnd: number): number {
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
    for (let i = 0; i < this.count; i++) yield this.oidAt(i);
  }
}
