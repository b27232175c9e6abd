// Positional reader for one git packfile (.pack + its .idx). By default it never loads the pack whole: entries are
// read with fs.readSync at known offsets through a bounded block cache, so memory is bounded by the cache plus the
// largest object. Bulk readers may instead hold the pack whole in shared memory, within a budget (see SharedPack).
// Owns: entry header decoding, bounded-slice inflation with native zlib. Delta resolution is the ObjectStore's job
// (a REF_DELTA base may live in another pack or loose).
// May import: node:fs, ./inflate, ./pack-index, ./lru, ./errors.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { objectCorrupt } from './errors.js';
import { inflateExact, inflateHead, InflateError } from './inflate.js';
import { LruCache } from './lru.js';
import { PackIndex } from './pack-index.js';

export const OBJ_COMMIT = 1;
export const OBJ_TREE = 2;
export const OBJ_BLOB = 3;
export const OBJ_TAG = 4;
export const OBJ_OFS_DELTA = 6;
export const OBJ_REF_DELTA = 7;

export interface PackEntryHeader {
  /** Raw pack type (1-4 whole objects, 6 OFS_DELTA, 7 REF_DELTA). */
  type: number;
  /** Inflated size of this entry (for deltas: the size of the delta instructions). */
  size: number;
  /** Offset of the zlib stream. */
  dataStart: number;
  /** OFS_DELTA: absolute offset of the base entry. */
  baseOffset: number;
  /** REF_DELTA: hex oid of the base. */
  baseOid: string | null;
}

/**
 * Whole packs held in memory, by path, shared between threads: a bulk reader (the audit) loads each pack once into
 * a SharedArrayBuffer on the main thread and hands the buffers to its workers (postMessage shares them, no copy),
 * so three threads reading all over a pack neither keep three block caches nor pay a read syscall and a fresh
 * 64 KiB buffer per block (on a 224 MB pack that churn cost ~6 s of a 76 s audit). A pack's name is the hash of its
 * content, so a path and a size identify its bytes. Loaded only within a byte budget the caller sets (see
 * ObjectStore.loadPacks); everyone else keeps the block cache.
 */
export interface SharedPack {
  path: string;
  size: number;
  data: SharedArrayBuffer;
  /**
   * Present while another thread fills `data` (see fillShared): an Int32Array's two cells, [0] the 4 KiB pages
   * filled from the start, [1] FILL_DONE or FILL_FAILED once finished. Readers use the filled part and read the
   * rest through their block caches meanwhile.
   */
  progress?: SharedArrayBuffer;
}
const FILL_DONE = 1;
const FILL_FAILED = 2;
const FILL_PAGE = 4096;

/**
 * Fills a pack's shared bytes from its file ([from, to), all by default), publishing progress as it goes: run by a
 * worker thread while the main thread starts its walk (reading a 206 MB pack, mostly page faults on the fresh
 * memory, was a second of the main thread before anything else could start, with the worker idle). Marks the pack
 * done when `to` reaches its end; on a read error marks it failed (readers stay on their block caches).
 */
export function fillShared(sp: SharedPack, from = 0, to = sp.size): void {
  if (sp.progress === undefined) return;
  const progress = new Int32Array(sp.progress);
  const buf = Buffer.from(sp.data);
  let fd = -1;
  try {
    fd = openSync(sp.path, 'r');
    let done = from;
    while (done < to) {
      const n = readSync(fd, buf, done, Math.min(to - done, 8 << 20), done);
      if (n <= 0) throw new Error('pack is truncated');
      done += n;
      Atomics.store(progress, 0, Math.floor(done / FILL_PAGE));
    }
    if (to >= sp.size) Atomics.store(progress, 1, FILL_DONE);
  } catch {
    Atomics.store(progress, 1, FILL_FAILED);
  } finally {
    if (fd !== -1) closeSync(fd);
  }
}
const sharedPacks = new Map<string, SharedPack>();

/** Makes packs loaded by another thread available to this one's PackFiles (used by the matcher workers). */
export function adoptSharedPacks(packs: readonly SharedPack[]): void {
  for (const p of packs) sharedPacks.set(p.path, p);
}

/** Every pack this thread has loaded or adopted whole, to pass to workers. */
export function sharedPackList(): SharedPack[] {
  return [...sharedPacks.values()];
}

const BLOCK = 64 * 1024;
const BLOCK_CACHE_BYTES = 16 * 1024 * 1024;
/** Entries read through the block cache with a zlib-bounded end before the offsets are sorted (see entryEnd). */
const BOUNDED_READS = 4096;

export class PackFile {
  readonly path: string;
  readonly index: PackIndex;
  private fd = -1;
  private fileSize = 0;
  /** The whole pack, when loaded or shared (see SharedPack); reads are then views of it. */
  private whole: Buffer | null = null;
  /** This PackFile loaded the shared copy (and drops it from the registry on close). */
  private ownsShared = false;
  private readonly blocks = new LruCache<number, Buffer>(BLOCK_CACHE_BYTES);
  /** Entries read with a zlib-bounded end so far (see entryEnd). */
  private boundedReads = 0;
  /** Shared bytes another thread is still filling (see SharedPack.progress): used up to the filled part. */
  private filling: { buf: Buffer; progress: Int32Array } | null = null;

  constructor(packPath: string, index: PackIndex) {
    this.path = packPath;
    this.index = index;
  }

  /** Opens the file lazily: repositories can have hundreds of packs and most reads hit one. */
  private ensureOpen(): void {
    if (this.fd !== -1 || this.whole !== null) return;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      throw objectCorrupt(null, `cannot open pack: ${(e as Error).message}`, { pack: this.path });
    }
    const size = fstatSync(fd).size;
    const shared = sharedPacks.get(this.path);
    if (shared !== undefined && shared.size === size) {
      if (shared.progress === undefined || Atomics.load(new Int32Array(shared.progress), 1) === FILL_DONE) {
        closeSync(fd);
        this.useWhole(Buffer.from(shared.data), size);
        return;
      }
      this.filling = { buf: Buffer.from(shared.data), progress: new Int32Array(shared.progress) };
    }
    const head = Buffer.alloc(12);
    const got = readSync(fd, head, 0, 12, 0);
    try {
      this.checkHead(head.subarray(0, got));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
    this.fileSize = size;
  }

  private checkHead(head: Buffer): void {
    if (head.length < 12 || head.toString('latin1', 0, 4) !== 'PACK') {
      throw objectCorrupt(null, 'not a packfile (bad signature)', { pack: this.path });
    }
    const version = head.readUInt32BE(4);
    if (version !== 2 && version !== 3) throw objectCorrupt(null, `unsupported pack version ${version}`, { pack: this.path });
    if (head.readUInt32BE(8) !== this.index.count) {
      throw objectCorrupt(null, `pack holds ${head.readUInt32BE(8)} objects, index lists ${this.index.count}`, { pack: this.path });
    }
  }

  private useWhole(buf: Buffer, size: number): void {
    this.checkHead(buf.subarray(0, Math.min(12, size)));
    this.whole = buf;
    this.fileSize = size;
    this.filling = null;
    this.blocks.clear();
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }

  /** The shared copy this pack reads from, if any (to hand to worker threads). */
  get shared(): SharedPack | undefined {
    return this.whole === null ? undefined : sharedPacks.get(this.path);
  }

  /** Bytes of the pack file, without opening it. */
  sizeOnDisk(): number {
    if (this.whole !== null || this.fd !== -1) return this.fileSize;
    try {
      return statSync(this.path).size;
    } catch {
      return Infinity;
    }
  }

  /**
   * Reads the whole pack into shared memory (once per process: other threads adopt it) and serves every later read
   * from it. Returns the bytes loaded now (0 if it already was).
   */
  loadWhole(): number {
    if (this.whole !== null) return 0;
    this.ensureOpen();
    if (this.whole !== null) return 0;
    const size = this.fileSize;
    const data = new SharedArrayBuffer(size);
    const buf = Buffer.from(data);
    let done = 0;
    while (done < size) {
      const n = readSync(this.fd, buf, done, Math.min(size - done, 1 << 30), done);
      if (n <= 0) throw objectCorrupt(null, 'pack is truncated', { pack: this.path, offset: done });
      done += n;
    }
    sharedPacks.set(this.path, { path: this.path, size, data });
    this.ownsShared = true;
    this.useWhole(buf, size);
    return size;
  }

  /**
   * Shares the pack's memory for another thread to fill (fillShared), instead of reading it here (loadWhole): reads
   * use the part filled so far, the block cache for the rest, and the whole once it is done.
   */
  shareUnfilled(): SharedPack | undefined {
    if (this.whole !== null) return undefined;
    this.ensureOpen();
    if (this.whole !== null || this.filling !== null) return undefined;
    const size = this.fileSize;
    const sp: SharedPack = { path: this.path, size, data: new SharedArrayBuffer(size), progress: new SharedArrayBuffer(8) };
    sharedPacks.set(this.path, sp);
    this.ownsShared = true;
    this.filling = { buf: Buffer.from(sp.data), progress: new Int32Array(sp.progress!) };
    return sp;
  }

  /** End of the entry area (the 20-byte trailer follows). */
  get dataEnd(): number {
    this.ensureOpen();
    return this.fileSize - 20;
  }

  close(): void {
    this.index.close();
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
    this.whole = null;
    this.filling = null;
    if (this.ownsShared) sharedPacks.delete(this.path);
    this.ownsShared = false;
    this.blocks.clear();
  }

  /**
   * Bytes [pos, pos+len) of the pack. Small reads are served from 64 KiB blocks kept in a per-pack LRU (16 MiB):
   * a walk reads commits and trees all over the pack, and a syscall plus an allocation per small object cost more
   * than the inflation. Large reads go straight to the file. The result may be a view of a cached block: do not
   * mutate it.
   */
  private readRange(pos: number, len: number, oid: string | null): Buffer {
    this.ensureOpen();
    if (pos + len > this.fileSize) {
      throw objectCorrupt(oid, 'pack is truncated', { pack: this.path, offset: pos });
    }
    if (this.whole !== null) return this.whole.subarray(pos, pos + len);
    if (this.filling !== null) {
      const f = this.filling;
      const state = Atomics.load(f.progress, 1);
      if (state === FILL_DONE) {
        this.useWhole(f.buf, this.fileSize);
        return f.buf.subarray(pos, pos + len);
      }
      if (state === FILL_FAILED) this.filling = null;
      else if (pos + len <= this.filledBytes()) return f.buf.subarray(pos, pos + len);
    }
    if (len > BLOCK) return this.readExact(pos, len, oid);
    const b0 = Math.floor(pos / BLOCK);
    const first = this.block(b0, oid);
    const off = pos - b0 * BLOCK;
    if (off + len <= first.length) return first.subarray(off, off + len);
    const out = Buffer.allocUnsafe(len);
    const head = first.length - off;
    first.copy(out, 0, off);
    this.block(b0 + 1, oid).copy(out, head, 0, len - head);
    return out;
  }

  private block(n: number, oid: string | null): Buffer {
    const hit = this.blocks.get(n);
    if (hit !== undefined) return hit;
    const start = n * BLOCK;
    const buf = this.readExact(start, Math.min(BLOCK, this.fileSize - start), oid);
    this.blocks.set(n, buf, buf.length);
    return buf;
  }

  /** Positional reads issued and bytes they copied (benchmarks, tuning). */
  readonly io = { reads: 0, bytes: 0 };

  private readExact(pos: number, len: number, oid: string | null): Buffer {
    this.io.reads++;
    this.io.bytes += len;
    const buf = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, buf, done, len - done, pos + done);
      if (n <= 0) throw objectCorrupt(oid, 'pack is truncated', { pack: this.path, offset: pos });
      done += n;
    }
    return buf;
  }

  /** Decodes the entry header at `offset`. */
  header(offset: number, oid: string | null): PackEntryHeader {
    this.ensureOpen();
    const end = this.fileSize - 20;
    if (offset < 12 || offset >= end) throw objectCorrupt(oid, 'offset outside the pack (truncated?)', { pack: this.path, offset });
    // In a pack held whole, read in place: a view per header was an allocation per object read.
    const n = Math.min(32, end - offset);
    // (Once: readRange switches a shared pack to whole when another thread has finished filling it.)
    const whole = this.whole;
    const b = whole ?? this.readRange(offset, n, oid);
    const p0 = whole !== null ? offset : 0;
    const lim = p0 + n;
    let p = p0;
    let c = b[p++] ?? 0;
    const type = (c >> 4) & 7;
    let size = c & 15;
    let mul = 16;
    while ((c & 0x80) !== 0) {
      if (p >= lim) throw objectCorrupt(oid, 'bad entry header', { pack: this.path, offset });
      c = b[p++] ?? 0;
      size += (c & 0x7f) * mul;
      mul *= 128;
    }
    let baseOffset = -1;
    let baseOid: string | null = null;
    if (type === OBJ_OFS_DELTA) {
      c = b[p++] ?? 0;
      let rel = c & 0x7f;
      while ((c & 0x80) !== 0) {
        if (p >= lim) throw objectCorrupt(oid, 'bad delta offset', { pack: this.path, offset });
        c = b[p++] ?? 0;
        rel = (rel + 1) * 128 + (c & 0x7f);
      }
      baseOffset = offset - rel;
      if (baseOffset < 12 || rel === 0) throw objectCorrupt(oid, 'delta base offset out of range', { pack: this.path, offset });
    } else if (type === OBJ_REF_DELTA) {
      if (p + 20 > lim) throw objectCorrupt(oid, 'bad ref-delta header', { pack: this.path, offset });
      baseOid = b.toString('hex', p, p + 20);
      p += 20;
    } else if (type < 1 || type > 4) {
      throw objectCorrupt(oid, `unknown pack entry type ${type}`, { pack: this.path, offset });
    }
    return { type, size, dataStart: offset + (p - p0), baseOffset, baseOid };
  }

  /**
   * Where the entry's compressed data ends at the latest. Exact (the next entry's offset) needs the pack's offsets
   * sorted, which costs ~15 ms on a pack of 30,000 objects; a reader of a few hundred objects (the pre-commit hook,
   * even on an index without a cache-tree) would pay that for nothing, so zlib's own worst case for `size` bytes
   * bounds the read instead (zlib stops at the end of the stream; a stream longer than the bound, which zlib never
   * writes, is retried with the exact end). Over an in-memory pack the bound costs nothing at all. Through the block
   * cache, bulk readers want the exact end (the bound reads ~3× the compressed bytes of a typical blob), so after
   * BOUNDED_READS entries the offsets are sorted once. Bytes in memory (a whole pack, or the part of a shared one
   * filled so far) always take the bound, even once the offsets are sorted: a search of a million sorted offsets per
   * read cost the 200k-commit audit's main thread more than the over-read ever could (its descent read through the
   * block cache while the worker filled the pack, sorted the offsets, and kept searching them after the switch).
   */
  private entryEnd(offset: number, h: PackEntryHeader, exact: boolean): number {
    if (exact) return this.index.nextOffset(offset, this.dataEnd);
    const bound = Math.min(this.dataEnd, h.dataStart + h.size + (h.size >> 8) + 64);
    if (this.whole !== null) return bound;
    if (bound <= this.filledBytes()) return bound;
    if (this.index.hasSortedOffsets || ++this.boundedReads > BOUNDED_READS) return this.index.nextOffset(offset, this.dataEnd);
    return bound;
  }

  /** Bytes of a shared pack another thread fills that are filled so far (0 when none is being filled). */
  private filledBytes(): number {
    return this.filling === null ? 0 : Atomics.load(this.filling.progress, 0) * FILL_PAGE;
  }

  /**
   * Inflates the entry's zlib stream, bounded by the next entry's offset; checks the inflated size. With
   * `transient`, the result is a per-thread scratch view valid until the next inflation (delta instructions); with
   * `alloc`, its memory comes from there.
   */
  inflate(offset: number, h: PackEntryHeader, oid: string | null, transient = false, exact = false, alloc?: (size: number) => Buffer): Buffer {
    const end = this.entryEnd(offset, h, exact);
    if (end > this.dataEnd || end <= h.dataStart) {
      throw objectCorrupt(oid, 'pack is truncated', { pack: this.path, offset });
    }
    const len = end - h.dataStart;
    // A pack held whole is inflated in place (no view per object).
    const whole = this.whole;
    try {
      return whole !== null ? inflateExact(whole, h.size, transient, alloc, h.dataStart, len) : inflateExact(this.readRange(h.dataStart, len, oid), h.size, transient, alloc);
    } catch (e) {
      if (!(e instanceof InflateError)) throw e;
      // Read with zlib's bound (see entryEnd)? Then a stream longer than the bound gets one more try with the exact end.
      if (!exact) return this.inflate(offset, h, oid, transient, true, alloc);
      throw objectCorrupt(oid, e.message, { pack: this.path, offset });
    }
  }

  /**
   * Inflates only the first bytes of an entry (enough for a delta's size header). A dynamic-Huffman block header
   * can take a few hundred compressed bytes before the first output byte, so the window grows until `want` bytes
   * come out (or the whole entry was used).
   */
  inflatePrefix(offset: number, h: PackEntryHeader, oid: string | null, want = 32): Buffer {
    const end = this.entryEnd(offset, h, false);
    if (end > this.dataEnd || end <= h.dataStart) throw objectCorrupt(oid, 'pack is truncated', { pack: this.path, offset });
    for (let avail = 256; ; avail *= 8) {
      const n = Math.min(avail, end - h.dataStart);
      const slice = this.readRange(h.dataStart, n, oid);
      let out: Buffer;
      try {
        out = inflateHead(slice, want);
      } catch (e) {
        if (!(e instanceof InflateError)) throw e;
        throw objectCorrupt(oid, e.message, { pack: this.path, offset });
      }
      if (out.length >= Math.min(want, h.size) || n === end - h.dataStart) return out;
    }
  }
}
