// Reader of git's index file (the staging area), versions 2, 3 and 4, plus the cache-tree (TREE) extension.
// Why our own reader: isomorphic-git hard-codes `.git/index`, but `git commit -a` and `git commit <path>` hand the
// hook a different index through GIT_INDEX_FILE (`index.lock`, `next-index-<pid>.lock`); reading the wrong one makes
// the hook silently pass. This reader takes the path git gives us.
// Owns: index parsing. May import: node:fs, errors.
import { readFileSync } from 'node:fs';
import { LeakhoundError } from '../../errors/index.js';

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

/**
 * The index as columns over the file's bytes, not one object per entry: the pre-commit hook reads it on every commit
 * and a 100k-entry index must cost milliseconds. Paths are latin1-held (one char per byte), so string comparison is
 * git's byte order, the order of the entries and of a recursive tree walk; `entry(i)` decodes one entry fully.
 */
export interface GitIndex {
  version: number;
  count: number;
  /** Paths, latin1-held, decoded on first use by `pathAt` (v4 indexes: all at parse time). */
  paths: Array<string | undefined>;
  /** Where each path's bytes are in `buf` (v2/v3). */
  pathStart: Int32Array;
  pathEnd: Int32Array;
  /** Numeric modes (0o100644, 0o120000, 0o160000, 0o40000 for a sparse-index directory). */
  modes: Uint32Array;
  /** Merge stage 0..3. */
  stages: Uint8Array;
  /** 1 for `git add -N` (intent-to-add) entries. */
  intentToAdd: Uint8Array;
  /** Offset of each entry's 20-byte object id in `buf`. */
  oidAt: Int32Array;
  buf: Buffer;
  /** Cache-tree: directory (latin1-held, '' = root) -> its valid node; invalidated directories are absent. */
  cacheTree: Map<string, CacheTreeNode>;
}

/** Octal mode text as trees write it. */
export function modeText(mode: number): string {
  return (mode >>> 12 === 0o04 ? 0o40000 : mode & 0o177777).toString(8);
}

/** Entry i's path, latin1-held (one char per byte: comparisons are git's byte order). */
export function pathAt(ix: GitIndex, i: number): string {
  return (ix.paths[i] ??= ix.buf.toString('latin1', ix.pathStart[i], ix.pathEnd[i]));
}

/** One entry, decoded (path as UTF-8 text, object id as hex). */
export function indexEntry(ix: GitIndex, i: number): IndexEntry {
  const o = ix.oidAt[i]!;
  return {
    path: latin1ToText(pathAt(ix, i)),
    mode: modeText(ix.modes[i]!),
    oid: ix.buf.toString('hex', o, o + 20),
    stage: ix.stages[i]!,
    intentToAdd: ix.intentToAdd[i] === 1,
  };
}

/** UTF-8 text of a latin1-held path (ASCII paths are returned as they are). */
export function latin1ToText(latin1: string): string {
  for (let i = 0; i < latin1.length; i++) if (latin1.charCodeAt(i) > 0x7f) return Buffer.from(latin1, 'latin1').toString('utf8');
  return latin1;
}

function corrupt(file: string, why: string): LeakhoundError {
  return new LeakhoundError('E_READ', `cannot read the git index ${file}: ${why}`, { file });
}

/** Reads and parses an index file. A missing file is an empty index (a fresh repository before any `git add`). */
export function readIndexFile(file: string): GitIndex {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY();
    throw corrupt(file, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  return parseIndex(buf, file);
}

const EMPTY = (): GitIndex => ({
  version: 2,
  count: 0,
  paths: [],
  pathStart: new Int32Array(0),
  pathEnd: new Int32Array(0),
  modes: new Uint32Array(0),
  stages: new Uint8Array(0),
  intentToAdd: new Uint8Array(0),
  oidAt: new Int32Array(0),
  buf: Buffer.alloc(0),
  cacheTree: new Map(),
});

export function parseIndex(buf: Buffer, file = '<index>'): GitIndex {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') throw corrupt(file, 'not an index file (no DIRC signature)');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw corrupt(file, `unsupported index version ${version}`);
  const count = buf.readUInt32BE(8);
  const end = buf.length - 20; // trailing checksum
  // An entry takes at least 62 bytes (v4: 63): a count beyond that is a corrupt header, not an allocation to make.
  if (count > (end - 12) / 62 + 1) throw corrupt(file, `header claims ${count} entries, more than the file can hold`);
  // Paths stay bytes until asked for: behind a valid cache-tree most entries are skipped without ever being read.
  const paths = new Array<string | undefined>(count);
  const pathStart = new Int32Array(count);
  const pathEnd = new Int32Array(count);
  const modes = new Uint32Array(count);
  const stages = new Uint8Array(count);
  const ita = new Uint8Array(count);
  const oidAt = new Int32Array(count);
  let off = 12;
  let prev = '';
  for (let i = 0; i < count; i++) {
    const start = off;
    if (off + 62 > end) throw corrupt(file, 'truncated entry');
    // Plain byte arithmetic: Buffer#readUInt*BE run as interpreted library code on a cold start, 20k times.
    modes[i] = ((buf[off + 24]! << 24) | (buf[off + 25]! << 16) | (buf[off + 26]! << 8) | buf[off + 27]!) >>> 0;
    oidAt[i] = off + 40;
    const flags = (buf[off + 60]! << 8) | buf[off + 61]!;
    stages[i] = (flags >> 12) & 3;
    off += 62;
    if (flags & 0x4000) {
      if (version < 3) throw corrupt(file, 'extended flags in a version 2 index');
      if ((buf[off]! & 0x20) !== 0) ita[i] = 1;
      off += 2;
    }
    if (version === 4) {
      // Prefix compression: strip N bytes from the previous name, then a NUL-terminated suffix.
      let c = buf[off++]!;
      let strip = c & 127;
      while (c & 128) {
        c = buf[off++]!;
        strip = ((strip + 1) << 7) | (c & 127);
      }
      const nul = buf.indexOf(0, off);
      if (nul < 0 || nul > end || strip > prev.length) throw corrupt(file, 'unterminated path');
      prev = prev.slice(0, prev.length - strip) + buf.toString('latin1', off, nul);
      paths[i] = prev;
      off = nul + 1;
    } else {
      // The name length is in the flags (12 bits; 0xFFF means "longer: look for the NUL").
      let nul = off + (flags & 0xfff);
      if ((flags & 0xfff) === 0xfff) while (nul < end && buf[nul] !== 0) nul++;
      if (nul >= end || buf[nul] !== 0) throw corrupt(file, 'unterminated path');
      pathStart[i] = off;
      pathEnd[i] = nul;
      // Entries are padded with 1..8 NULs to a multiple of 8 bytes.
      off = start + ((nul - start + 8) & ~7);
    }
  }
  const cacheTree = new Map<string, CacheTreeNode>();
  while (off + 8 <= end) {
    const sig = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32BE(off + 4);
    const body = buf.subarray(off + 8, off + 8 + size);
    off += 8 + size;
    if (sig === 'TREE') parseCacheTree(body, cacheTree);
    else if (sig === 'link')
      throw corrupt(file, 'split index (core.splitIndex) is not supported; run `git update-index --no-split-index`');
  }
  return { version, count, paths, pathStart, pathEnd, modes, stages, intentToAdd: ita, oidAt, buf, cacheTree };
}

function parseCacheTree(body: Buffer, out: Map<string, CacheTreeNode>): void {
  let off = 0;
  const walk = (prefix: string): void => {
    const nul = body.indexOf(0, off);
    if (nul < 0) throw new Error('bad TREE extension');
    const name = body.toString('latin1', off, nul);
    off = nul + 1;
    const nl = body.indexOf(10, off);
    const [countText, subText] = body.toString('latin1', off, nl).split(' ');
    off = nl + 1;
    const entryCount = Number(countText);
    const path = prefix === '' ? name : name === '' ? prefix : `${prefix}/${name}`;
    if (entryCount >= 0) {
      out.set(path, { oid: body.toString('hex', off, off + 20), entries: entryCount });
      off += 20;
    }
    for (let i = 0, n = Number(subText); i < n; i++) walk(path);
  };
  try {
    if (body.length) walk('');
  } catch {
    out.clear(); // the cache is an optimisation only: a damaged one means "compare everything"
  }
}
