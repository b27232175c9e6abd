// The object store: reads git objects from packs (positional reads, native zlib, delta chains with a bounded LRU
// delta-base cache), loose objects, and alternates. Synchronous by design: every call is CPU-bound or a local
// positional read, and a sync API keeps the walker a plain generator with no promise overhead per object.
// Owns: oid -> {type, data}; the set of all stored oids (for --unreachable).
// May import: node:fs, node:path, node:crypto, ./inflate, ./pack*, ./delta, ./lru, ./slabs, ./errors. Never the matcher.
import { existsSync, openSync, readdirSync, readFileSync, readSync, closeSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { applyDelta, DeltaError, deltaSizes } from './delta.js';
import { objectCorrupt, objectMissing } from './errors.js';
import { inflateExact, inflateHead, InflateError } from './inflate.js';
import { LruCache } from './lru.js';
import { type Slab, SlabAllocator } from './slabs.js';
import { PackIndex } from './pack-index.js';
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, PackFile, type PackEntryHeader, type SharedPack } from './pack.js';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

export interface GitObject {
  type: ObjectType;
  /** Object content without the loose header. Shared with the cache: never mutate it. */
  data: Buffer;
  /** A packed object's place in this store (see cachedAt); null for a loose object. */
  key: number | null;
  /** With the `origins` option, a blob rebuilt from a delta: which of its bytes are copies of its base's. */
  origin: DeltaOrigin | null;
  /**
   * Free for the reader: what it derived from `data` (the audit's matcher keeps the keyword hits of a blob here, to
   * derive those of blobs built from it). Lives as long as the store caches this object.
   */
  memo: unknown;
  /**
   * recycleTrees: the slab a tree's data was cut from (null: memory of its own), and how many hold the object (the
   * store's cache, a TreeCache, a diff in progress). When the last lets go, the slab may hand the bytes out again.
   */
  slab: Slab | null;
  holds: number;
  /** A tree's entry offsets, once a TreeCache has found them (see TreeCache.entryStarts), and their slab. */
  starts: Int32Array<ArrayBufferLike> | null;
  startsSlab: Slab | null;
}

/** Where a blob built from a delta got its bytes: runs of [start, length, baseStart] copied from `base` (a key). */
export interface DeltaOrigin {
  base: number;
  runs: Int32Array;
}

export interface ObjectHeader {
  type: ObjectType;
  size: number;
}

/** Where an object is stored; used to read many objects in storage order (much kinder to delta chains). */
export type ObjectLocation = { kind: 'pack'; pack: number; offset: number } | { kind: 'loose'; dir: number };

export interface ObjectStoreOptions {
  /** Byte budget of the delta-base LRU cache (default 96 MiB). */
  deltaCacheBytes?: number;
  /** Objects bigger than this are not put in the delta-base cache (default deltaCacheBytes / 4). */
  deltaCacheMaxEntry?: number;
  /** Re-hash every object read and raise E_OBJECT_CORRUPT on mismatch (default false; costs ~1 ms per MB). */
  verify?: boolean;
  /** Record GitObject.origin for blobs rebuilt from deltas (default false). */
  origins?: boolean;
  /**
   * Cut the memory of cached blobs from reused slabs (see slabs.ts; default false). Only for a reader that is done
   * with a blob's data before its next read or cachedAt (the audit's worker scans each blob as it reads it): once
   * the cache drops a blob, its bytes may be overwritten.
   */
  recycleBlobs?: boolean;
  /**
   * Cut cached trees' memory (and their entry offsets) from reused slabs. For a store whose trees are read through
   * a TreeCache (hold/release); other readers of a tree get a copy. Why: on the 200k-commit benchmark the walk
   * rebuilt 2.9 GB of trees, each a fresh ArrayBuffer, and each large tree got a fresh Int32Array of entry offsets:
   * allocating that memory, faulting its pages in, and the full collections V8 starts for every ~64 MB of such
   * "external" memory were ~30 % of the walk's samples.
   */
  recycleTrees?: boolean;
  /** recycleTrees: bytes per slab (default 1 MiB; tests make it small to reuse memory often). */
  treeSlabBytes?: number;
}

const TYPE_NAMES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const HEX40 = /^[0-9a-f]{40}$/;

/** Whether every character is 0-9 or a-f: HEX40 without the regex, which was ~4 % of a large history's walk. */
function isLowerHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x66 || (c < 0x61 && (c < 0x30 || c > 0x39))) return false;
  }
  return true;
}
const MAX_CHAIN = 10_000;
/** The data of a recycled tree nobody holds any more. */
const RELEASED: Buffer = Buffer.alloc(0);

interface ObjectDir {
  path: string;
  packs: PackFile[];
  loose: Set<string> | null;
}

export class ObjectStore {
  readonly packs: PackFile[] = [];
  private readonly dirs: ObjectDir[] = [];
  private readonly cache: LruCache<number, GitObject>;
  private readonly maxEntry: number;
  private readonly verify: boolean;
  private readonly origins: boolean;
  /** recycleBlobs: where cached blobs' memory comes from, and goes back to when the cache drops them. */
  private readonly blobMemory: ((size: number) => Buffer) | undefined;
  /** recycleTrees: where cached trees' memory comes from (see GitObject.holds). */
  private readonly treeSlabs: SlabAllocator | null;
  private readonly treeMemory: ((size: number) => Buffer) | undefined;
  private lastPack = 0;
  /** The pack with the most objects: its entries are keyed by bare offset (see key). */
  private mainPack = 0;
  /** (offset, pack) -> type of delta-chain entries already resolved by readHeader. */
  private readonly typeCache = new Map<number, ObjectType>();
  private readonly oidBuf = Buffer.alloc(20);
  /** Counters, for benchmarks and progress. */
  readonly stats = { reads: 0, cacheHits: 0, deltaApplied: 0, bytesRead: 0 };

  /**
   * @param objectsDir the repository's `objects` directory (commonDir/objects); alternates are followed from it.
   */
  constructor(objectsDir: string, opts: ObjectStoreOptions = {}) {
    const bytes = opts.deltaCacheBytes ?? 96 * 1024 * 1024;
    this.maxEntry = opts.deltaCacheMaxEntry ?? Math.floor(bytes / 4);
    const slabs = opts.recycleBlobs === true ? new SlabAllocator() : null;
    // At most 256 MiB of tree slabs: the two caches' budgets (this one's and a TreeCache's 64 MiB) with room for the
    // slabs that a few long-kept trees hold; past that, trees get memory of their own as before.
    const slabBytes = opts.treeSlabBytes ?? 1024 * 1024;
    this.treeSlabs = opts.recycleTrees === true ? new SlabAllocator(slabBytes, 32, Math.ceil((256 * 1024 * 1024) / slabBytes)) : null;
    const release = (o: GitObject): void => {
      if (o.type === 'tree') return this.unhold(o);
      const slab = slabs?.slabOf(o.data);
      if (slab !== undefined) slabs!.release(slab);
    };
    this.cache = new LruCache(bytes, Number.POSITIVE_INFINITY, slabs === null && this.treeSlabs === null ? null : release);
    this.treeMemory =
      this.treeSlabs === null
        ? undefined
        : (size) => (size <= this.maxEntry ? this.treeSlabs!.alloc(size)?.buf : undefined) ?? Buffer.allocUnsafe(size);
    // Only blobs the cache will keep (and so drop, and so release) come from slabs.
    this.blobMemory = slabs === null ? undefined : (size) => (size <= this.maxEntry ? slabs.alloc(size)?.buf : undefined) ?? Buffer.allocUnsafe(size);
    this.verify = opts.verify ?? false;
    this.origins = opts.origins ?? false;
    this.addDir(resolve(objectsDir), 0, new Set());
    for (let i = 1; i < this.packs.length; i++) if (this.packs[i]!.index.count > this.packs[this.mainPack]!.index.count) this.mainPack = i;
  }

  /**
   * The caches' key for the entry at `offset` of pack `packNo`. The main pack's entries are keyed by their offset, a
   * small integer for V8 (below 2^30): offset * 1024 + pack, the key for every pack before, is a heap-allocated double
   * once a pack passes 2 MiB, and the caches' Map lookups with it were ~8 % of the walk on a large history. Other
   * packs' keys are negative, so they never meet the main pack's.
   */
  private key(packNo: number, offset: number): number {
    return packNo === this.mainPack ? offset : -(offset * 1024 + packNo) - 1;
  }

  /**
   * The object whose GitObject.key (or DeltaOrigin.base) is `key`, if the store still caches it: for readers that
   * kept something derived from it in its memo (never a read, so never an error).
   */
  cachedAt(key: number): GitObject | undefined {
    return this.cache.get(key);
  }

  private addDir(path: string, depth: number, seen: Set<string>): void {
    if (seen.has(path) || depth > 5) return;
    seen.add(path);
    const dir: ObjectDir = { path, packs: [], loose: null };
    this.dirs.push(dir);
    const packDir = join(path, 'pack');
    let names: string[] = [];
    try {
      names = readdirSync(packDir);
    } catch {
      names = [];
    }
    // Newest-looking first is irrelevant for correctness; sort for determinism.
    for (const name of names.sort()) {
      if (!name.endsWith('.idx')) continue;
      const packPath = join(packDir, name.slice(0, -4) + '.pack');
      if (!existsSync(packPath)) continue;
      const pack = new PackFile(packPath, new PackIndex(join(packDir, name)));
      dir.packs.push(pack);
      this.packs.push(pack);
    }
    let alternates: string[] = [];
    try {
      alternates = readFileSync(join(path, 'info', 'alternates'), 'utf8').split('\n');
    } catch {
      alternates = [];
    }
    for (const line of alternates) {
      const l = line.trim();
      if (l === '' || l.startsWith('#')) continue;
      this.addDir(isAbsolute(l) ? resolve(l) : resolve(path, l), depth + 1, seen);
    }
  }

  /** Closes pack file descriptors. The store can still be used afterwards (files reopen lazily). */
  close(): void {
    for (const p of this.packs) p.close();
    this.cache.clear();
  }

  private looseSet(dir: ObjectDir): Set<string> {
    if (dir.loose !== null) return dir.loose;
    const set = new Set<string>();
    let fan: string[] = [];
    try {
      fan = readdirSync(dir.path);
    } catch {
      fan = [];
    }
    for (const f of fan) {
      if (f.length !== 2 || !/^[0-9a-f]{2}$/.test(f)) continue;
      let files: string[] = [];
      try {
        files = readdirSync(join(dir.path, f));
      } catch {
        continue;
      }
      for (const rest of files) if (rest.length === 38 && HEX40.test(f + rest)) set.add(f + rest);
    }
    dir.loose = set;
    return set;
  }

  /** Finds an object; packs first (in memory), then loose (one directory listing, done once). */
  locate(oid: string): ObjectLocation | null {
    if (oid.length !== 40 || !isLowerHex(oid)) return null;
    this.oidBuf.write(oid, 'hex');
    const n = this.packs.length;
    for (let k = 0; k < n; k++) {
      const i = (this.lastPack + k) % n;
      const pack = this.packs[i];
      if (pack === undefined) continue;
      const pos = pack.index.find(this.oidBuf);
      if (pos >= 0) {
        this.lastPack = i;
        return { kind: 'pack', pack: i, offset: pack.index.offsetAt(pos) };
      }
    }
    for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d];
      if (dir !== undefined && this.looseSet(dir).has(oid)) return { kind: 'loose', dir: d };
    }
    // An object written after the listing was taken.
    for (let d = 0; d < this.dirs.length; d++) {
      const dir = this.dirs[d];
      if (dir !== undefined && existsSync(join(dir.path, oid.slice(0, 2), oid.slice(2)))) {
        this.looseSet(dir).add(oid);
        return { kind: 'loose', dir: d };
      }
    }
    return null;
  }

  has(oid: string): boolean {
    return this.locate(oid) !== null;
  }

  /**
   * Reads an object. Throws E_OBJECT_MISSING / E_OBJECT_CORRUPT (with oid, and pack path and offset when packed).
   * `keep` false: the object itself is not put in the cache (delta bases on the way still are), for a reader that
   * reads it once and keeps what it needs (the walk's commits: 200,000 of them filled two thirds of the cache that
   * tree deltas need).
   */
  read(oid: string, keep = true): GitObject {
    const o = this.readShared(oid, keep);
    // A recycled tree's memory is handed out again once its holders let go: others get a copy.
    return o.slab === null ? o : { ...o, data: Buffer.from(o.data), slab: null, holds: 0, starts: null, startsSlab: null };
  }

  /**
   * A tree, held for the caller (recycleTrees; see GitObject.holds): its data stays as it is until the caller passes
   * it to unhold. For TreeCache.
   */
  holdTree(oid: string): GitObject {
    const o = this.readShared(oid, true);
    if (o.type !== 'tree') throw objectCorrupt(oid, `expected a tree, found a ${o.type}`);
    o.holds++;
    return o;
  }

  /** Lets go of an object held with holdTree (or by the cache); its slab memory may be reused once nobody holds it. */
  unhold(o: GitObject): void {
    // Only a tree cut from a slab has its entry offsets in one (startsFor).
    if (--o.holds > 0 || o.slab === null) return;
    this.treeSlabs!.release(o.slab);
    if (o.startsSlab !== null) this.treeSlabs!.release(o.startsSlab);
    o.slab = null;
    o.startsSlab = null;
    o.starts = null;
    // Anyone still reading it would read another tree's bytes: make that an obvious failure instead.
    o.data = RELEASED;
  }

  /** The tree slab `data` was cut from (treeMemory), if any. */
  private treeSlabOf(data: Buffer): Slab | null {
    return this.treeSlabs?.slabOf(data) ?? null;
  }

  /** `n` int32s for a held tree's entry offsets, from its store's slabs when the tree's memory is (see GitObject.starts). */
  startsFor(o: GitObject, n: number): Int32Array<ArrayBufferLike> {
    const got = o.slab !== null && this.treeSlabs !== null ? this.treeSlabs.alloc(n * 4) : null;
    if (got === null) return new Int32Array(n);
    o.startsSlab = got.slab;
    return new Int32Array(got.buf.buffer, got.buf.byteOffset, n);
  }

  /** recycleTrees: slabs in existence and how often an emptied one was reused (tests, benchmarks). */
  get treeSlabStats(): { slabs: number; reuses: number } {
    return { slabs: this.treeSlabs?.count ?? 0, reuses: this.treeSlabs?.reuses ?? 0 };
  }

  /** Caches an object (a hold of the cache's: see GitObject.holds). */
  private put(k: number, o: GitObject): void {
    o.holds++;
    if (!this.cache.set(k, o, o.data.length + 64)) o.holds--;
  }

  private readShared(oid: string, keep: boolean): GitObject {
    const loc = this.locate(oid);
    if (loc === null) throw objectMissing(oid);
    this.stats.reads++;
    const obj = loc.kind === 'pack' ? this.readPacked(loc.pack, loc.offset, oid, 0, keep) : this.readLoose(loc.dir, oid);
    this.stats.bytesRead += obj.data.length;
    if (this.verify) this.check(oid, obj, loc);
    return obj;
  }

  /** Reads and checks the type; E_OBJECT_CORRUPT if the object is of another type. */
  readAs(oid: string, type: ObjectType, keep = true): Buffer {
    const o = this.read(oid, keep);
    if (o.type !== type) throw objectCorrupt(oid, `expected a ${type}, found a ${o.type}`);
    return o.data;
  }

  private check(oid: string, obj: GitObject, loc: ObjectLocation): void {
    // node:crypto is fetched on first use (loose objects only): loading it is ~4 ms of the pre-commit hook's start-up.
    const h = process.getBuiltinModule('node:crypto').createHash('sha1');
    h.update(`${obj.type} ${obj.data.length}\0`);
    h.update(obj.data);
    const got = h.digest('hex');
    if (got !== oid) {
      const where = loc.kind === 'pack' ? { pack: this.packs[loc.pack]?.path } : {};
      throw objectCorrupt(oid, `content hashes to ${got}`, where);
    }
  }

  /** Type and size without inflating whole objects (a delta chain's headers are walked; one delta prefix inflated). */
  readHeader(oid: string): ObjectHeader {
    const loc = this.locate(oid);
    if (loc === null) throw objectMissing(oid);
    if (loc.kind === 'loose') return this.looseHeader(loc.dir, oid);
    const pack = this.packs[loc.pack];
    if (pack === undefined) throw objectMissing(oid);
    const cached = this.cache.get(this.key(loc.pack, loc.offset));
    if (cached !== undefined) return { type: cached.type, size: cached.data.length };
    const h = pack.header(loc.offset, oid);
    if (h.type !== OBJ_OFS_DELTA && h.type !== OBJ_REF_DELTA) {
      // Remembered so that the deltas based on it (which follow it in pack order) need not read its header again.
      const type = this.typeName(h.type, oid, pack);
      if (this.typeCache.size > 1_000_000) this.typeCache.clear();
      this.typeCache.set(this.key(loc.pack, loc.offset), type);
      return { type, size: h.size };
    }
    let size: number;
    try {
      size = deltaSizes(pack.inflatePrefix(loc.offset, h, oid))[1];
    } catch (e) {
      if (e instanceof DeltaError) throw objectCorrupt(oid, e.message, { pack: pack.path, offset: loc.offset });
      throw e;
    }
    // The type is the chain's base type; remember it for every entry walked so shared bases are walked once.
    let cur = h;
    const curPack = pack;
    let curOff = loc.offset;
    const walked: number[] = [];
    const done = (type: ObjectType): ObjectHeader => {
      if (this.typeCache.size > 1_000_000) this.typeCache.clear();
      for (const k of walked) this.typeCache.set(k, type);
      return { type, size };
    };
    for (let depth = 0; depth < MAX_CHAIN; depth++) {
      walked.push(this.key(loc.pack, curOff));
      if (cur.type === OBJ_OFS_DELTA) {
        curOff = cur.baseOffset;
        // Check before reading the base's header: in pack order the base was typed moments ago.
        const known = this.typeCache.get(this.key(loc.pack, curOff));
        if (known !== undefined) return done(known);
        cur = curPack.header(curOff, oid);
      } else if (cur.type === OBJ_REF_DELTA) {
        const base = cur.baseOid ?? '';
        return done(this.readHeader(base).type);
      } else {
        return done(this.typeName(cur.type, oid, curPack));
      }
    }
    throw objectCorrupt(oid, 'delta chain too long (cycle?)', { pack: curPack.path, offset: curOff });
  }

  private typeName(t: number, oid: string, pack: PackFile): ObjectType {
    const name = TYPE_NAMES[t];
    if (name === undefined) throw objectCorrupt(oid, `bad object type ${t}`, { pack: pack.path });
    return name;
  }

  private readPacked(packNo: number, offset: number, oid: string | null, depth: number, keep = true): GitObject {
    const pack = this.packs[packNo];
    if (pack === undefined) throw objectMissing(oid ?? '');
    if (depth > 64) throw objectCorrupt(oid, 'ref-delta recursion too deep (cycle?)', { pack: pack.path, offset });
    const chain: { offset: number; h: PackEntryHeader }[] = [];
    let cur = offset;
    let base: GitObject | undefined;
    for (;;) {
      const hit = this.cache.get(this.key(packNo, cur));
      if (hit !== undefined) {
        this.stats.cacheHits++;
        base = hit;
        break;
      }
      const h = pack.header(cur, oid);
      if (h.type === OBJ_OFS_DELTA) {
        chain.push({ offset: cur, h });
        if (chain.length > MAX_CHAIN) throw objectCorrupt(oid, 'delta chain too long (cycle?)', { pack: pack.path, offset });
        cur = h.baseOffset;
        continue;
      }
      if (h.type === OBJ_REF_DELTA) {
        chain.push({ offset: cur, h });
        const baseOid = h.baseOid ?? '';
        const loc = this.locate(baseOid);
        if (loc === null) throw objectMissing(baseOid, { neededBy: oid, pack: pack.path, offset: cur });
        base = loc.kind === 'pack' ? this.readPacked(loc.pack, loc.offset, baseOid, depth + 1) : this.readLoose(loc.dir, baseOid);
        break;
      }
      const k = this.key(packNo, cur);
      const type = this.typeName(h.type, oid ?? '', pack);
      // Only trees the cache will keep (and so drop, and so let go of) come from slabs (treeMemory checks the size).
      const data = pack.inflate(cur, h, oid, false, false, type === 'blob' ? this.blobMemory : type === 'tree' && (keep || chain.length > 0) ? this.treeMemory : undefined);
      base = { type, data, key: k, origin: null, memo: undefined, slab: type === 'tree' ? this.treeSlabOf(data) : null, holds: 0, starts: null, startsSlab: null };
      if (base.data.length <= this.maxEntry && (keep || chain.length > 0)) this.put(k, base);
      break;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const link = chain[i];
      if (link === undefined) continue;
      // Delta instructions are used once: inflated into the thread's scratch buffer, not a buffer of their own.
      const delta = pack.inflate(link.offset, link.h, oid, true);
      let data: Buffer;
      const runs: number[] | undefined = this.origins && base.type === 'blob' && base.key !== null ? [] : undefined;
      try {
        data = applyDelta(base.data, delta, runs, base.type === 'blob' ? this.blobMemory : base.type === 'tree' && (keep || i > 0) ? this.treeMemory : undefined);
      } catch (e) {
        if (e instanceof DeltaError) throw objectCorrupt(oid, e.message, { pack: pack.path, offset: link.offset });
        throw e;
      }
      this.stats.deltaApplied++;
      const k = this.key(packNo, link.offset);
      base = { type: base.type, data, key: k, origin: runs === undefined ? null : { base: base.key!, runs: Int32Array.from(runs) }, memo: undefined, slab: base.type === 'tree' ? this.treeSlabOf(data) : null, holds: 0, starts: null, startsSlab: null };
      if (data.length <= this.maxEntry && (keep || i > 0)) this.put(k, base);
    }
    return base;
  }

  private loosePath(dir: number, oid: string): string {
    return join(this.dirs[dir]?.path ?? '', oid.slice(0, 2), oid.slice(2));
  }

  private parseLooseHeader(buf: Buffer, oid: string, path: string): { type: ObjectType; size: number; start: number } {
    const sp = buf.indexOf(0x20);
    const nul = buf.indexOf(0, sp + 1);
    if (sp <= 0 || nul < 0 || nul > 40) throw objectCorrupt(oid, 'bad loose object header', { path });
    const t = buf.toString('latin1', 0, sp);
    if (t !== 'commit' && t !== 'tree' && t !== 'blob' && t !== 'tag') throw objectCorrupt(oid, `bad object type "${t}"`, { path });
    const sizeStr = buf.toString('latin1', sp + 1, nul);
    if (!/^[0-9]+$/.test(sizeStr)) throw objectCorrupt(oid, 'bad loose object size', { path });
    return { type: t, size: Number(sizeStr), start: nul + 1 };
  }

  private readLoose(dir: number, oid: string): GitObject {
    const path = this.loosePath(dir, oid);
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (e) {
      throw objectMissing(oid, { path, reason: (e as Error).message });
    }
    // Header first (type, size), then the whole stream into a buffer of exactly that size.
    let h: { type: ObjectType; size: number; start: number };
    let buf: Buffer;
    try {
      h = this.parseLooseHeader(inflateHead(raw, 64), oid, path);
      buf = inflateExact(raw, h.start + h.size);
    } catch (e) {
      if (!(e instanceof InflateError)) throw e;
      throw objectCorrupt(oid, e.message, { path });
    }
    return { type: h.type, data: buf.subarray(h.start), key: null, origin: null, memo: undefined, slab: null, holds: 0, starts: null, startsSlab: null };
  }

  private looseHeader(dir: number, oid: string): ObjectHeader {
    const path = this.loosePath(dir, oid);
    const raw = Buffer.alloc(256);
    let n = 0;
    try {
      const fd = openSync(path, 'r');
      try {
        n = readSync(fd, raw, 0, raw.length, 0);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw objectMissing(oid, { path, reason: (e as Error).message });
    }
    let buf: Buffer;
    try {
      buf = inflateHead(raw.subarray(0, n), 64);
    } catch (e) {
      if (!(e instanceof InflateError)) throw e;
      throw objectCorrupt(oid, e.message, { path });
    }
    const h = this.parseLooseHeader(buf, oid, path);
    return { type: h.type, size: h.size };
  }

  /**
   * Every object id in every pack index and loose directory (alternates included), each once. Packed objects come
   * in pack-offset order, so reading or readHeader-ing them in this order is sequential I/O with delta bases first.
   */
  *allOids(): Generator<string> {
    const multi = this.packs.length + this.dirs.length > 2;
    const seen = multi ? new Set<string>() : null;
    for (const pack of this.packs) {
      const order = pack.index.positionsByOffset();
      for (const i of order) {
        const oid = pack.index.oidAt(i);
        if (seen !== null) {
          if (seen.has(oid)) continue;
          seen.add(oid);
        }
        yield oid;
      }
    }
    for (const dir of this.dirs) {
      for (const oid of this.looseSet(dir)) {
        if (seen !== null) {
          if (seen.has(oid)) continue;
          seen.add(oid);
        } else if (this.packs.length > 0 && this.packs[0]?.index.find(Buffer.from(oid, 'hex')) !== -1) continue;
        yield oid;
      }
    }
  }

  /** Oids whose hex starts with `prefix` (at least 4 hex digits), for abbreviated revisions. */
  findByPrefix(prefix: string): string[] {
    const p = prefix.toLowerCase();
    const out = new Set<string>();
    for (const pack of this.packs) for (const i of pack.index.findPrefix(p)) out.add(pack.index.oidAt(i));
    for (const dir of this.dirs) for (const oid of this.looseSet(dir)) if (oid.startsWith(p)) out.add(oid);
    return [...out];
  }

  /**
   * Sorts oids into storage order (pack, then offset; loose last). Reading in this order keeps delta bases in the
   * cache and reads the pack mostly forwards. Unknown oids go last, in input order.
   */
  sortByLocation(oids: Iterable<string>): string[] {
    const keyed: { oid: string; k: number }[] = [];
    for (const oid of oids) {
      const loc = this.locate(oid);
      const k = loc === null ? Number.MAX_VALUE : loc.kind === 'pack' ? loc.pack * 2 ** 40 + loc.offset : 2 ** 52 + loc.dir;
      keyed.push({ oid, k });
    }
    keyed.sort((a, b) => a.k - b.k);
    return keyed.map((e) => e.oid);
  }

  /**
   * Loads packs whole into shared memory, smallest first, while their total stays within `budgetBytes` (see
   * SharedPack in pack.ts). For bulk readers; returns the packs now held whole, to hand to worker threads.
   * `fillElsewhere`: only shares the memory, for a worker to fill (fillShared) while this thread goes on; returns
   * those packs (reads here use what is filled so far, see PackFile.shareUnfilled).
   */
  loadPacks(budgetBytes: number, fillElsewhere = false): SharedPack[] {
    let left = budgetBytes;
    const out: SharedPack[] = [];
    const bySize = this.packs.map((p) => ({ p, size: p.sizeOnDisk() })).sort((a, b) => a.size - b.size);
    for (const { p, size } of bySize) {
      if (size > left) break;
      if (fillElsewhere) {
        const sp = p.shareUnfilled();
        if (sp !== undefined) out.push(sp);
      } else p.loadWhole();
      left -= size;
    }
    return fillElsewhere ? out : this.packs.flatMap((p) => (p.shared ? [p.shared] : []));
  }

  get deltaCacheBytes(): number {
    return this.cache.bytes;
  }
}
