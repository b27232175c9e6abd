// Reader of git's index file (the staging area), versions 2, 3 and 4, plus the cache-tree (TREE) extension.
// Why our own reader: isomorphic-git hard-codes `.git/index`, but `git commit -a` and `git commit <path>` hand the
// hook a different index through GIT_INDEX_FILE (`index.lock`, `next-index-<pid>.lock`); reading the wrong one makes
// the hook silently pass. This reader takes the path git gives us.
// Owns: index parsing. May import: node:fs, errors, sources/git (name decoding).
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { LeakhoundError } from '../../errors/index.js';
import { decodeName } from '../git/parse.js';

export interface IndexEntry {
  /** Repository-relative path, `/`-separated, UTF-8 decoded. */
  path: string;
  /** Octal mode text as in trees: 100644, 100755, 120000, 160000 (and 40000 for sparse-index directories). */
  mode: string;
  oid: string;
  /** 0 normally; 1..3 for the sides of an unresolved merge conflict. */
  stage: number;
  /** `git add -N`: recorded, but no content staged yet. */
  intentToAdd: boolean;
}

/** A valid cache-tree node: the tree the index holds under a directory, and how many index entries it covers. */
export interface CacheTreeNode {
  oid: string;
  entries: number;
}

/** Octal mode text as trees write it. */
export function modeText(mode: number): string {
  return (mode >>> 12 === 0o04 ? 0o40000 : mode & 0o177777).toString(8);
}

function corrupt(file: string, why: string): LeakhoundError {
  return new LeakhoundError('E_READ', `cannot read the git index ${file}: ${why}`, { file });
}

/** Entry windows read before the reader takes the whole file instead. */
const FETCH_LIMIT = 128;
/** Bytes read at a time for entries asked for (a run of neighbours comes with each). */
const ENTRY_WINDOW = 16 * 1024;
/** Window through which the entry offsets are found. */
const CHUNK = 256 * 1024;

/**
 * The index, read for the pre-commit hook's budget: a first pass finds where each entry starts (2 bytes read per
 * entry, through one reused 256 KiB window: a fresh buffer the size of a 2 MB index costs ~6 ms of page faults
 * alone), then entries are decoded only when asked for. Behind a valid cache-tree most entries are skipped without
 * being read; past FETCH_LIMIT single reads the whole file is loaded once. Paths are latin1-held (one char per byte),
 * so string comparison is git's byte order, the order of the entries and of a recursive tree walk.
 */
export class GitIndex {
  /** Paths decoded so far (all of them for version 4, whose paths are prefix-compressed). */
  private readonly paths: Array<string | undefined>;
  /** The last window of entries read, and the file offset it starts at. */
  private win: Buffer | undefined;
  private winBase = 0;
  private winLen = 0;
  private fetches = 0;

  constructor(
    readonly file: string,
    readonly version: number,
    readonly count: number,
    /** Entry offsets in the file; [count] is the end of the last entry. */
    private readonly entryAt: Int32Array,
    /** Cache-tree: directory (latin1-held, '' = root) -> its valid node; invalidated directories are absent. */
    readonly cacheTree: Map<string, CacheTreeNode>,
    private buf: Buffer | undefined,
    private fd: number | undefined,
    paths?: string[],
  ) {
    this.paths = paths ?? new Array<string | undefined>(count);
  }

  /**
   * Entry i's bytes and where they start in them: from the whole file once loaded, else from a window of entries
   * read at i (the walk moves forward, so one window serves a run of neighbours).
   */
  private at(i: number): [Buffer, number] {
    const start = this.entryAt[i]!;
    if (this.buf !== undefined) return [this.buf, start];
    const end = this.entryAt[i + 1]!;
    if (this.win !== undefined && start >= this.winBase && end <= this.winBase + this.winLen) return [this.win, start - this.winBase];
    if (++this.fetches > FETCH_LIMIT || this.fd === undefined) {
      this.buf = readFileSync(this.file);
      if (this.buf.length < this.entryAt[this.count]!) throw corrupt(this.file, 'the file changed while it was read');
      this.close();
      return [this.buf, start];
    }
    const len = Math.max(end - start, Math.min(ENTRY_WINDOW, this.entryAt[this.count]! - start));
    if (this.win === undefined || this.win.length < len) this.win = Buffer.allocUnsafeSlow(Math.max(len, ENTRY_WINDOW));
    const got = readSync(this.fd, this.win, 0, len, start);
    if (got < end - start) throw corrupt(this.file, 'the file changed while it was read');
    this.winLen = got;
    this.winBase = start;
    return [this.win, 0];
  }

  /** Releases the file; entries asked for later are read from the whole file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private flags(i: number): number {
    const [b, o] = this.at(i);
    return (b[o + 60]! << 8) | b[o + 61]!;
  }

  /** Entry i's path, latin1-held. */
  path(i: number): string {
    const known = this.paths[i];
    if (known !== undefined) return known;
    const [b, o] = this.at(i);
    const flags = (b[o + 60]! << 8) | b[o + 61]!;
    const start = o + 62 + (flags & 0x4000 ? 2 : 0);
    let end = start + (flags & 0xfff);
    if ((flags & 0xfff) === 0xfff) while (b[end] !== 0) end++;
    return (this.paths[i] = b.toString('latin1', start, end));
  }

  /** Numeric mode (0o100644, 0o120000, 0o160000, 0o40000 for a sparse-index directory). */
  mode(i: number): number {
    const [b, o] = this.at(i);
    return ((b[o + 24]! << 24) | (b[o + 25]! << 16) | (b[o + 26]! << 8) | b[o + 27]!) >>> 0;
  }

  /** Merge stage 0..3. */
  stage(i: number): number {
    return (this.flags(i) >> 12) & 3;
  }

  /** `git add -N`: recorded, no content staged yet. */
  intentToAdd(i: number): boolean {
    if ((this.flags(i) & 0x4000) === 0) return false;
    const [b, o] = this.at(i);
    return (b[o + 62]! & 0x20) !== 0;
  }

  oid(i: number): string {
    const [b, o] = this.at(i);
    return b.toString('hex', o + 40, o + 60);
  }

  /** Whether entry i's object id equals the 20 bytes at `off` in `data`. */
  oidEquals(i: number, data: Buffer, off: number): boolean {
    const [b, o] = this.at(i);
    return b.compare(data, off, off + 20, o + 40, o + 60) === 0;
  }

  /** One entry, decoded (path as UTF-8 text, object id as hex). */
  entry(i: number): IndexEntry {
    return { path: decodeName(this.path(i)), mode: modeText(this.mode(i)), oid: this.oid(i), stage: this.stage(i), intentToAdd: this.intentToAdd(i) };
  }
}

/** Reads an index file. A missing file is an empty index (a fresh repository before any `git add`). */
export function readIndexFile(file: string): GitIndex {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new GitIndex(file, 2, 0, new Int32Array(1).fill(12), new Map(), Buffer.alloc(0), undefined);
    throw corrupt(file, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(12);
    if (size < 32 || readSync(fd, head, 0, 12, 0) !== 12) throw corrupt(file, 'not an index file (too short)');
    if (head.readUInt32BE(4) === 4 || size <= CHUNK) {
      // Version 4 paths depend on the previous entry's, and a small file is cheapest read whole.
      const buf = Buffer.allocUnsafe(size);
      if (readSync(fd, buf, 0, size, 0) !== size) throw corrupt(file, 'the file changed while it was read');
      closeSync(fd);
      return parseIndex(buf, file);
    }
    const ix = scan(file, size, new FileWindow(fd, size), (bodyStart, bodyEnd) => {
      const b = Buffer.allocUnsafe(bodyEnd - bodyStart);
      readSync(fd, b, 0, b.length, bodyStart);
      return b;
    });
    return new GitIndex(file, ix.version, ix.count, ix.entryAt, ix.cacheTree, undefined, fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Parses an index held in memory. */
export function parseIndex(buf: Buffer, file = '<index>'): GitIndex {
  const paths: string[] = [];
  const ix = scan(file, buf.length, { buf, base: 0, end: buf.length, ensure: () => undefined }, (a, b) => buf.subarray(a, b), paths);
  return new GitIndex(file, ix.version, ix.count, ix.entryAt, ix.cacheTree, buf, undefined, ix.version === 4 ? paths : undefined);
}

/** Bytes of the file from `base`: `ensure(off, need)` makes [off, off+need) available (fewer only at the end). */
interface Window {
  buf: Buffer;
  base: number;
  /** File offset just after the last valid byte in `buf`. */
  end: number;
  ensure(off: number, need: number): void;
}

/** A window of CHUNK bytes over a file, moved forward by positional reads into the same buffer. */
class FileWindow implements Window {
  buf = Buffer.allocUnsafeSlow(CHUNK);
  base = 0;
  end = 0;
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}
  ensure(off: number, need: number): void {
    if (off >= this.base && off + need <= this.end) return;
    if (need > this.buf.length) this.buf = Buffer.allocUnsafeSlow(need);
    this.base = off;
    this.end = off + readSync(this.fd, this.buf, 0, Math.min(this.buf.length, this.size - off), off);
  }
}

/** Walks the entries: their offsets (and, for version 4, their paths into `v4paths`), then the extensions. */
function scan(
  file: string,
  size: number,
  w: Window,
  range: (start: number, end: number) => Buffer,
  v4paths?: string[],
): { version: number; count: number; entryAt: Int32Array; cacheTree: Map<string, CacheTreeNode> } {
  w.ensure(0, 12);
  const h = w.buf;
  const h0 = -w.base;
  if (size < 32 || h.toString('latin1', h0, h0 + 4) !== 'DIRC') throw corrupt(file, 'not an index file (no DIRC signature)');
  const version = h.readUInt32BE(h0 + 4);
  if (version < 2 || version > 4) throw corrupt(file, `unsupported index version ${version}`);
  const count = h.readUInt32BE(h0 + 8);
  const end = size - 20; // trailing checksum
  // An entry takes at least 62 bytes (v4: 63): a count beyond that is a corrupt header, not an allocation to make.
  if (count > (end - 12) / 62 + 1) throw corrupt(file, `header claims ${count} entries, more than the file can hold`);
  const entryAt = new Int32Array(count + 1);
  let off = 12;
  let prev = '';
  for (let i = 0; i < count; i++) {
    if (version !== 4) {
      // The common entry, as tight as it gets (this loop runs cold, in the interpreter, 20k+ times per commit):
      // short name, entirely inside the window. Anything else takes the careful path below.
      const b = w.buf;
      const base = w.base;
      const stop = Math.min(w.end, end) - 64 - 256;
      for (; i < count && off <= stop; i++) {
        const o = off - base;
        const flags = (b[o + 60]! << 8) | b[o + 61]!;
        const rel = flags & 0x4000 ? 64 : 62;
        const len = flags & 0xfff;
        if (rel + len + 1 > 64 + 256 || (rel === 64 && version < 3) || b[o + rel + len] !== 0) break;
        entryAt[i] = off;
        off += (rel + len + 8) & ~7;
      }
      if (i === count) break;
    }
    entryAt[i] = off;
    if (off + 62 > end) throw corrupt(file, 'truncated entry');
    w.ensure(off, 64 + 256);
    let b = w.buf;
    let o = off - w.base;
    // Plain byte arithmetic: Buffer#readUInt*BE run as interpreted library code on a cold start, 20k times.
    const flags = (b[o + 60]! << 8) | b[o + 61]!;
    let rel = 62;
    if (flags & 0x4000) {
      if (version < 3) throw corrupt(file, 'extended flags in a version 2 index');
      rel += 2;
    }
    if (version === 4) {
      // Prefix compression: strip N bytes from the previous name, then a NUL-terminated suffix.
      let p = o + rel;
      let c = b[p++]!;
      let strip = c & 127;
      while (c & 128) {
        c = b[p++]!;
        strip = ((strip + 1) << 7) | (c & 127);
      }
      const nul = b.indexOf(0, p);
      if (nul < 0 || nul - o + off > end || strip > prev.length) throw corrupt(file, 'unterminated path');
      prev = prev.slice(0, prev.length - strip) + b.toString('latin1', p, nul);
      v4paths?.push(prev);
      off += nul + 1 - o;
      continue;
    }
    // The name length is in the flags (12 bits; 0xFFF means "longer: look for the NUL").
    let len = flags & 0xfff;
    if (rel + len + 1 > 64 + 256) {
      w.ensure(off, rel + len + 1 + (len === 0xfff ? CHUNK : 0));
      b = w.buf;
      o = off - w.base;
    }
    const p = o + rel;
    if (len === 0xfff) {
      const nul = b.indexOf(0, p);
      if (nul < 0) throw corrupt(file, 'unterminated path');
      len = nul - p;
    }
    if (p + len >= b.length || b[p + len] !== 0 || off + rel + len >= end) throw corrupt(file, 'unterminated path');
    // Entries are padded with 1..8 NULs to a multiple of 8 bytes.
    off += (rel + len + 8) & ~7;
  }
  entryAt[count] = off;
  const cacheTree = new Map<string, CacheTreeNode>();
  if (off < end) {
    const ext = range(off, end);
    for (let x = 0; x + 8 <= ext.length; ) {
      const sig = ext.toString('latin1', x, x + 4);
      const n = ext.readUInt32BE(x + 4);
      const body = ext.subarray(x + 8, x + 8 + n);
      x += 8 + n;
      if (sig === 'TREE') parseCacheTree(body, cacheTree);
      else if (sig === 'link') throw corrupt(file, 'split index (core.splitIndex) is not supported; run `git update-index --no-split-index`');
    }
  }
  return { version, count, entryAt, cacheTree };
}

/**
 * The TREE extension: per directory, `name NUL entry-count SP subtree-count LF [20-byte oid if count >= 0]`, depth
 * first. Parsed with byte loops (no split, no Buffer#indexOf call per field): it is read on every commit.
 */
function parseCacheTree(body: Buffer, out: Map<string, CacheTreeNode>): void {
  let off = 0;
  const n = body.length;
  const number = (stop: number): number => {
    let neg = false;
    if (body[off] === 0x2d) {
      neg = true;
      off++;
    }
    let v = 0;
    let digits = 0;
    while (off < n && body[off] !== stop) {
      const c = body[off++]! - 0x30;
      if (c < 0 || c > 9) throw new Error('bad TREE extension');
      v = v * 10 + c;
      digits++;
    }
    if (off >= n || digits === 0) throw new Error('bad TREE extension');
    off++;
    return neg ? -v : v;
  };
  const walk = (prefix: string, depth: number): void => {
    if (depth > 4096) throw new Error('bad TREE extension');
    let nul = off;
    while (nul < n && body[nul] !== 0) nul++;
    if (nul >= n) throw new Error('bad TREE extension');
    const name = body.toString('latin1', off, nul);
    off = nul + 1;
    const entryCount = number(0x20);
    const subtrees = number(0x0a);
    const path = prefix === '' ? name : name === '' ? prefix : `${prefix}/${name}`;
    if (entryCount >= 0) {
      if (off + 20 > n) throw new Error('bad TREE extension');
      out.set(path, { oid: body.toString('hex', off, off + 20), entries: entryCount });
      off += 20;
    }
    for (let i = 0; i < subtrees; i++) walk(path, depth + 1);
  };
  try {
    if (n) walk('', 0);
  } catch {
    out.clear(); // the cache is an optimisation only: a damaged one means "compare everything"
  }
}
