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

export interface GitIndex {
  version: number;
  entries: IndexEntry[];
  /** Cache-tree: directory ('' = root) -> tree oid, for directories whose cached tree is valid. */
  cacheTree: Map<string, string>;
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
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 2, entries: [], cacheTree: new Map() };
    throw corrupt(file, (e as NodeJS.ErrnoException).code ?? String(e));
  }
  return parseIndex(buf, file);
}

const MODES = new Map<number, string>();

export function parseIndex(buf: Buffer, file = '<index>'): GitIndex {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') throw corrupt(file, 'not an index file (no DIRC signature)');
  const version = buf.readUInt32BE(4);
  if (version < 2 || version > 4) throw corrupt(file, `unsupported index version ${version}`);
  const count = buf.readUInt32BE(8);
  const entries: IndexEntry[] = [];
  let off = 12;
  let prev: Buffer = Buffer.alloc(0);
  const end = buf.length - 20; // trailing checksum
  for (let i = 0; i < count; i++) {
    const start = off;
    if (off + 62 > end) throw corrupt(file, 'truncated entry');
    const modeNum = buf.readUInt32BE(off + 24);
    const oid = buf.toString('hex', off + 40, off + 60);
    const flags = buf.readUInt16BE(off + 60);
    off += 62;
    let ext = 0;
    if (flags & 0x4000) {
      if (version < 3) throw corrupt(file, 'extended flags in a version 2 index');
      ext = buf.readUInt16BE(off);
      off += 2;
    }
    let path: string;
    if (version === 4) {
      // Prefix compression: strip N bytes from the previous name, then a NUL-terminated suffix.
      let c = buf[off++]!;
      let strip = c & 127;
      while (c & 128) {
        c = buf[off++]!;
        strip = ((strip + 1) << 7) | (c & 127);
      }
      const nul = buf.indexOf(0, off);
      if (nul < 0 || nul > end) throw corrupt(file, 'unterminated path');
      const name = Buffer.concat([prev.subarray(0, prev.length - strip), buf.subarray(off, nul)]);
      prev = name;
      path = name.toString('utf8');
      off = nul + 1;
    } else {
      // A byte loop: Buffer#indexOf costs microseconds per call, which adds up over 100k entries.
      let nul = off;
      while (nul < end && buf[nul] !== 0) nul++;
      if (nul >= end) throw corrupt(file, 'unterminated path');
      // Decode straight from the index buffer: no per-entry Buffer objects (an index can hold 100k entries).
      path = buf.toString('utf8', off, nul);
      // Entries are padded with 1..8 NULs to a multiple of 8 bytes.
      const len = nul - start;
      off = start + ((len + 8) & ~7);
    }
    const type = modeNum >>> 12;
    let mode = MODES.get(modeNum);
    if (mode === undefined) MODES.set(modeNum, (mode = type === 0o04 ? '40000' : (modeNum & 0o177777).toString(8)));
    entries.push({ path, mode, oid, stage: (flags >> 12) & 3, intentToAdd: (ext & 0x2000) !== 0 });
  }
  const cacheTree = new Map<string, string>();
  while (off + 8 <= end) {
    const sig = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32BE(off + 4);
    const body = buf.subarray(off + 8, off + 8 + size);
    off += 8 + size;
    if (sig === 'TREE') parseCacheTree(body, cacheTree);
    else if (sig === 'link')
      throw corrupt(file, 'split index (core.splitIndex) is not supported; run `git update-index --no-split-index`');
  }
  return { version, entries, cacheTree };
}

function parseCacheTree(body: Buffer, out: Map<string, string>): void {
  let off = 0;
  const walk = (prefix: string): void => {
    const nul = body.indexOf(0, off);
    if (nul < 0) throw new Error('bad TREE extension');
    const name = body.toString('utf8', off, nul);
    off = nul + 1;
    const nl = body.indexOf(10, off);
    const [countText, subText] = body.toString('latin1', off, nl).split(' ');
    off = nl + 1;
    const entryCount = Number(countText);
    const path = prefix === '' ? name : name === '' ? prefix : `${prefix}/${name}`;
    if (entryCount >= 0) {
      out.set(path, body.toString('hex', off, off + 20));
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
