// The history walker: every commit reachable from a set of tips (minus the ancestors of `exclude`), each visited
// once, parents before children; for each commit, the tree diff against EACH parent (root and shallow-boundary
// commits against the empty tree). Equal subtree oids are skipped without being read, and each tree is parsed once
// while it stays in a bounded LRU, which is what keeps the walk close to `git log --raw`.
// Also: annotated tags met on the way (their messages need scanning), and blobs/trees that a tag or tip points at
// directly (a commit-only walk misses them).
// Owns: walk order, tree diff, the `reached` set used by --unreachable.
// May import: errors, ./object-store, ./parse, ./lru, ./errors. Never the matcher.
import { isLeakhoundError, type LeakhoundError } from '../../errors/index.js';
import { objectCorrupt } from './errors.js';
import { LruCache } from './lru.js';
import type { GitObject, ObjectStore } from './object-store.js';
import {
  commitOfWalk,
  decodeName,
  parseCommitLinks,
  parseTag,
  type TreeEntryAt,
  modeOf,
  parseTreeRaw,
  treeEntryAt,
  type ParsedCommit,
  type ParsedTag,
  type RawTree,
} from './parse.js';

/** One changed path between two trees. Symlinks (120000) and gitlinks (160000) are reported with their mode. */
export interface TreeChange {
  /** Repository-relative path, `/`-separated, UTF-8 decoded. */
  path: string;
  /** null when the path was added. */
  oldOid: string | null;
  /** null when the path was deleted. */
  newOid: string | null;
  oldMode: string | null;
  newMode: string | null;
}

export interface ParentDiff {
  /** The parent compared against; null for a root commit or a shallow-boundary commit (empty tree). */
  parent: string | null;
  changes: TreeChange[];
  /** The parent could not be read (missing or corrupt; reported through onError): diffed against the empty tree. */
  parentUnreadable?: boolean;
}

/** What a commit's diffs need, for a consumer that computes them elsewhere (WalkOptions.deferDiffs). */
export interface DiffJob {
  commit: string;
  tree: string;
  /** One per parent in parent order; one with parent null for a root or shallow-boundary commit. */
  parents: Array<{ parent: string | null; tree: string | null; unreadable: boolean }>;
}

export type WalkEvent =
  | {
      kind: 'commit';
      oid: string;
      commit: ParsedCommit;
      /** One entry per parent, in parent order (one entry with parent null for a root commit). Empty with deferDiffs. */
      diffs: ParentDiff[];
      /** The commit is at the shallow boundary: its parents are not in the repository. */
      shallow: boolean;
      /** With deferDiffs: the trees to diff (then `diffs` is empty until the consumer fills it, see diffJob). */
      job: DiffJob | null;
    }
  | { kind: 'tag'; oid: string; tag: ParsedTag }
  | {
      kind: 'tree';
      oid: string;
      /** The tags through which the tree was reached (outermost first); empty if it was a tip itself. */
      via: string[];
      /** Every entry of the tree, as additions. */
      changes: TreeChange[];
    }
  | { kind: 'blob'; oid: string; via: string[] };

export interface WalkErrorContext {
  /** The commit / tag being processed when the error happened. */
  referencedBy?: string;
  /** Path of the tree entry being read, when the error happened in a tree diff. */
  path?: string;
}

export interface WalkOptions {
  /** Starting objects: commits, tags (peeled; annotated tags are yielded), trees or blobs. */
  tips: Iterable<string>;
  /** Commits (or tags of commits) whose ancestors, themselves included, are not visited (`A..B`, incremental). */
  exclude?: Iterable<string>;
  /** Commits already visited by an earlier walk: treated like excluded commits (used for the unreachable pass). */
  skip?: ReadonlySet<string>;
  /** Shallow-boundary commits (GitRepository.shallow): their parents are not followed. */
  shallow?: Iterable<string>;
  /** Shared tree cache (reuse it across walks and with TipIndex). */
  trees?: TreeCache;
  /**
   * Missing or corrupt objects are passed here (with `referencedBy` / `treePath` added to the error's data) and the walk
   * continues; without it, the first such error is thrown.
   */
  onError?: (err: LeakhoundError, ctx: WalkErrorContext) => void;
  /** When given, receives the oid of every commit, tag, tree and blob the walk reaches (for --unreachable). */
  reached?: Set<string>;
  /**
   * Yield commits without their tree diffs, with the job that computes them (diffJob), for a consumer that runs the
   * diffs on other threads. Not with `reached` (the diffs fill it). A function is asked before each commit (once it
   * says yes, it should keep saying yes: a consumer sees deferred and inline commits in walk order either way).
   */
  deferDiffs?: boolean | (() => boolean);
  /**
   * Kept current with the number of commits the walk has met so far (read or about to be): all those it will yield,
   * once it has descended from every tip. For progress and an ETA.
   */
  counter?: { seen: number };
}

/** A commit's diffs against each parent: what walkHistory puts in `diffs`, or a deferred commit's (deferDiffs). */
export function diffJob(
  trees: TreeCache,
  job: DiffJob,
  onError: ((e: LeakhoundError, path: string) => void) | undefined,
  reached?: Set<string>,
): ParentDiff[] {
  const diffs: ParentDiff[] = [];
  for (const p of job.parents) {
    const changes: TreeChange[] = [];
    diffRec(trees, p.tree, job.tree, '', changes, reached, onError);
    const d: ParentDiff = { parent: p.parent, changes };
    if (p.unreadable) d.parentUnreadable = true;
    diffs.push(d);
  }
  return diffs;
}

const NO_TREE: Buffer = Buffer.alloc(0);

/**
 * Bytes of the entry offsets of a tree of `len` bytes. An entry takes at least 23 bytes (a one-digit mode, a space,
 * an empty name and its NUL, which treeEntryAt lets through, and a 20-byte id): that bounds the count without a
 * first pass, even for a malformed tree.
 */
function startsBytes(len: number): number {
  return 4 * (Math.floor(len / 23) + 1);
}
/** diffRec's trimmed bounds (pa, endA, pb, endB): one array, filled before any recursion reads it. */
const TRIM = new Int32Array(4);

/**
 * Trees by oid, LRU-bounded by bytes: the raw tree objects, which the differ walks in place (see diffRec), and
 * parsed on request (`get`) for the few lookups by path. Parsed entry names are latin1 (byte order comparisons) and
 * subtrees get a trailing `/`, which is exactly git's tree sort key.
 */
export class TreeCache {
  /** Held trees by oid (each entry is one of its object's holds, let go of when the LRU drops it). */
  private readonly lru: LruCache<string, GitObject>;
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    readonly store: ObjectStore,
    maxBytes = 64 * 1024 * 1024,
  ) {
    this.lru = new LruCache(maxBytes, Number.POSITIVE_INFINITY, (o) => store.unhold(o));
  }

  /**
   * The tree object, held for the caller until it passes it to `release` (with a store that recycles trees, its
   * bytes may otherwise be handed to another tree once the caches drop it).
   */
  hold(oid: string): GitObject {
    let o = this.lru.get(oid);
    if (o !== undefined) {
      this.stats.hits++;
      o.holds++;
      return o;
    }
    this.stats.misses++;
    o = this.store.holdTree(oid);
    // Budgeted with room for the entry offsets a large tree may get (see entryStarts).
    o.holds++;
    if (!this.lru.add(oid, o, o.data.length + startsBytes(o.data.length) + 64)) o.holds--;
    return o;
  }

  release(o: GitObject): void {
    this.store.unhold(o);
  }

  /**
   * Where each entry of tree `t` (held) starts: found once per tree and kept with it, so that diffing a large tree
   * against a neighbour costs a binary search instead of a walk over all its entries. A tree diffed against a
   * neighbour whose starts are known gets its own from them (see trimmed), without a walk.
   */
  entryStarts(t: GitObject, oid: string | null): Int32Array<ArrayBufferLike> {
    if (t.starts !== null) return t.starts;
    const data = t.data;
    const e: TreeEntryAt = { sp: 0, nul: 0 };
    let n = 0;
    for (let p = 0; p < data.length; p = e.nul + 21) {
      treeEntryAt(data, p, oid, e);
      if (n === SCRATCH.length) SCRATCH = grown(SCRATCH);
      SCRATCH[n++] = p;
    }
    const starts = this.store.startsFor(t, n);
    starts.set(SCRATCH.subarray(0, n));
    t.starts = starts;
    return starts;
  }

  get(oid: string): RawTree {
    const o = this.hold(oid);
    let t: RawTree;
    try {
      t = parseTreeRaw(o.data, oid);
    } finally {
      this.release(o);
    }
    for (let i = 0; i < t.names.length; i++) {
      const m = t.modes[i];
      if (m === '40000' || m === '040000') t.names[i] = `${t.names[i] ?? ''}/`;
    }
    return t;
  }

  get bytes(): number {
    return this.lru.bytes;
  }
}

function annotate(e: unknown, ctx: WalkErrorContext): LeakhoundError {
  if (isLeakhoundError(e)) {
    if (ctx.referencedBy !== undefined && e.data['referencedBy'] === undefined) e.data['referencedBy'] = ctx.referencedBy;
    // `path` in an object error is the loose file; the tree path where the object was referenced is `treePath`.
    if (ctx.path !== undefined && e.data['treePath'] === undefined) e.data['treePath'] = ctx.path;
    return e;
  }
  return objectCorrupt(null, (e as Error).message ?? String(e), { ...ctx });
}

/**
 * Diffs two trees into `out`, skipping equal subtrees by oid. `reached` (optional) collects the new side's trees
 * and blobs. Errors on a subtree are reported through `onError` and that subtree is skipped.
 */
export function diffTrees(
  trees: TreeCache,
  oldTree: string | null,
  newTree: string | null,
  out: TreeChange[],
  opts: {
    prefix?: string;
    reached?: Set<string> | undefined;
    onError?: ((e: LeakhoundError, path: string) => void) | undefined;
    /** Trim trees larger than this (bytes, both sides) to their differing entries first (tests: 0 always, Infinity never). */
    trimAbove?: number;
  } = {},
): void {
  diffRec(trees, oldTree, newTree, opts.prefix ?? '', out, opts.reached, opts.onError, opts.trimAbove ?? TRIM_ABOVE);
}

/** git's tree order: names byte by byte, a subtree's name as if followed by '/', a file's as if it ended there. */
function compareEntries(a: Buffer, ea: TreeEntryAt, aDir: boolean, b: Buffer, eb: TreeEntryAt, bDir: boolean): number {
  const a0 = ea.sp + 1;
  const b0 = eb.sp + 1;
  const la = ea.nul - a0;
  const lb = eb.nul - b0;
  const m = la < lb ? la : lb;
  for (let k = 0; k < m; k++) {
    const d = a[a0 + k]! - b[b0 + k]!;
    if (d !== 0) return d;
  }
  const ca = la > m ? a[a0 + m]! : aDir ? 0x2f : 0;
  const cb = lb > m ? b[b0 + m]! : bDir ? 0x2f : 0;
  return ca - cb;
}

/** Trees whose two sides hold more bytes than this are trimmed to the entries that differ before the merge walk. */
export const TRIM_ABOVE = 2048;

/**
 * How many bytes a and b have in common from their starts (or, `fromEnd`, from their ends), at most n: native
 * comparisons of doubling spans, then halving down to the first difference.
 */
function commonRun(a: Buffer, b: Buffer, n: number, fromEnd: boolean): number {
  const ea = a.length;
  const eb = b.length;
  let lo = 0;
  let step = 512;
  while (lo < n) {
    const hi = lo + step < n ? lo + step : n;
    const same = fromEnd ? a.compare(b, eb - hi, eb - lo, ea - hi, ea - lo) === 0 : a.compare(b, lo, hi, lo, hi) === 0;
    if (same) {
      lo = hi;
      step *= 2;
    } else if (hi - lo <= 32) {
      if (fromEnd) while (a[ea - 1 - lo] === b[eb - 1 - lo]) lo++;
      else while (a[lo] === b[lo]) lo++;
      return lo;
    } else step = (hi - lo) >> 1;
  }
  return lo;
}

/** Index of the first element of the ascending array `xs` that is >= v (xs.length if none). */
function lowerBound(xs: Int32Array<ArrayBufferLike>, v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** trimmed's scratch list of the new side's entry starts between the common prefix and suffix. */
let MIDDLE = new Int32Array(256);
/** entryStarts' scratch list. */
let SCRATCH = new Int32Array(256);

/** A copy of `a` twice as long. */
function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const g = new Int32Array(a.length * 2);
  g.set(a);
  return g;
}

/**
 * The byte ranges of two large trees that can differ: [pa, endA) of a and [pb, endB) of b, every entry outside them
 * being the same entry, byte for byte, on both sides. A commit usually changes one or two entries of a directory;
 * the merge walk over the other thousands (2,000-file directories on the 200k-commit benchmark) was most of the
 * walk's time.
 *
 * Only a's entry starts are needed: b's entries are walked from pa (an entry start on both sides: the bytes before
 * it are the same) until one lands where an entry of a's common suffix starts, shifted by the length difference
 * (from there on the bytes, and so the entries, are the same). b's starts are then a's before pa, the ones walked,
 * and a's from the suffix on, shifted: kept for b's next diff (a history diffs each tree against its predecessor,
 * then its successor). Finding every new tree's starts by walking all its entries was ~20 % of the walk on the
 * 200k-commit benchmark (3 GB of trees).
 */
function trimmed(trees: TreeCache, ao: GitObject, aOid: string | null, bo: GitObject, bOid: string | null, out: Int32Array): void {
  const a = ao.data;
  const b = bo.data;
  const sa = trees.entryStarts(ao, aOid);
  // Entries that end within the common prefix are equal; the entry holding the first difference starts at the same
  // offset on both sides (both are parsed from the same bytes up to there).
  const prefix = commonRun(a, b, Math.min(a.length, b.length), false);
  const i = lowerBound(sa, prefix + 1) - 1;
  const pa = i < 0 ? 0 : sa[i]!;
  const pb = pa;
  // The common suffix; its entries are a's starting at or after a.length - suffix.
  const suffix = commonRun(a, b, Math.min(a.length - pa, b.length - pb), true);
  const shift = b.length - a.length;
  let j = lowerBound(sa, a.length - suffix);
  let endA = a.length;
  let endB = b.length;
  let aligned = false;
  let n = 0;
  const e: TreeEntryAt = { sp: 0, nul: 0 };
  for (let q = pb; ; ) {
    while (j < sa.length && sa[j]! + shift < q) j++;
    if (j < sa.length && sa[j]! + shift === q) {
      endA = sa[j]!;
      endB = q;
      aligned = true;
      break;
    }
    if (q >= b.length) break;
    if (n === MIDDLE.length) MIDDLE = grown(MIDDLE);
    MIDDLE[n++] = q;
    treeEntryAt(b, q, bOid, e);
    q = e.nul + 21;
  }
  if (bo.starts === null) {
    const before = i < 0 ? 0 : i;
    const after = aligned ? sa.length - j : 0;
    const sb = trees.store.startsFor(bo, before + n + after);
    sb.set(sa.subarray(0, before));
    sb.set(MIDDLE.subarray(0, n), before);
    for (let k = 0; k < after; k++) sb[before + n + k] = sa[j + k]! + shift;
    bo.starts = sb;
  }
  out[0] = pa;
  out[1] = endA;
  out[2] = pb;
  out[3] = endB;
}

/**
 * The tree differ, on the raw tree objects: entries that are byte-for-byte the same on both sides (the vast
 * majority: a commit changes a few paths) are skipped after a byte comparison, without making a string of their
 * name or id. Strings are made only for entries that differ. (It parsed both trees fully before: on a history where
 * each commit edits one file of a large directory, that was every name of that directory, every commit.)
 */
function diffRec(
  trees: TreeCache,
  oldTree: string | null,
  newTree: string | null,
  prefix: string,
  out: TreeChange[],
  reached: Set<string> | undefined,
  onError: ((e: LeakhoundError, path: string) => void) | undefined,
  trimAbove = TRIM_ABOVE,
): void {
  if (oldTree === newTree) return;
  // Both trees are held while their entries are walked: the subtrees read meanwhile may push them out of the caches,
  // and a store that recycles trees would hand their bytes to another tree.
  let ao: GitObject | null = null;
  let bo: GitObject | null = null;
  try {
    if (oldTree !== null) ao = trees.hold(oldTree);
    if (newTree !== null) {
      bo = trees.hold(newTree);
      reached?.add(newTree);
    }
  } catch (e) {
    if (ao !== null) trees.release(ao);
    if (onError === undefined) throw e;
    onError(annotate(e, {}), prefix === '' ? '/' : decodeName(prefix));
    return;
  }
  try {
    diffHeld(trees, ao, oldTree, bo, newTree, prefix, out, reached, onError, trimAbove);
  } finally {
    if (ao !== null) trees.release(ao);
    if (bo !== null) trees.release(bo);
  }
}

/** diffRec's walk over two held trees (either may be null: the empty tree). */
function diffHeld(
  trees: TreeCache,
  ao: GitObject | null,
  oldTree: string | null,
  bo: GitObject | null,
  newTree: string | null,
  prefix: string,
  out: TreeChange[],
  reached: Set<string> | undefined,
  onError: ((e: LeakhoundError, path: string) => void) | undefined,
  trimAbove: number,
): void {
  const a = ao === null ? NO_TREE : ao.data;
  const b = bo === null ? NO_TREE : bo.data;
  const ea: TreeEntryAt = { sp: 0, nul: 0 };
  const eb: TreeEntryAt = { sp: 0, nul: 0 };
  let pa = 0;
  let pb = 0;
  let endA = a.length;
  let endB = b.length;
  if (a.length > 0 && b.length > 0 && a.length + b.length > trimAbove) {
    try {
      trimmed(trees, ao!, oldTree, bo!, newTree, TRIM);
    } catch (e) {
      if (onError === undefined) throw e;
      onError(annotate(e, {}), prefix === '' ? '/' : decodeName(prefix));
      return;
    }
    pa = TRIM[0]!;
    endA = TRIM[1]!;
    pb = TRIM[2]!;
    endB = TRIM[3]!;
  }
  const name = (t: Buffer, e: TreeEntryAt): string => t.toString('latin1', e.sp + 1, e.nul);
  const isDir = (t: Buffer, p: number, e: TreeEntryAt): boolean => t[p] === 0x34 && e.sp - p === 5; // 40000
  while (pa < endA || pb < endB) {
    let c: number;
    if (pa < endA) treeEntryAt(a, pa, oldTree, ea);
    if (pb < endB) treeEntryAt(b, pb, newTree, eb);
    if (pa >= endA) c = 1;
    else if (pb >= endB) c = -1;
    else {
      const na = ea.nul + 21 - pa;
      // The same entry on both sides, byte for byte: nothing changed under it. Compared from the id backwards (a
      // changed entry differs there first) with a plain loop: Buffer#compare's argument checks cost more than
      // the ~30 bytes of an entry.
      if (na === eb.nul + 21 - pb) {
        let k = na - 1;
        while (k >= 0 && a[pa + k] === b[pb + k]) k--;
        if (k < 0) {
          pa += na;
          pb += na;
          continue;
        }
      }
      c = compareEntries(a, ea, isDir(a, pa, ea), b, eb, isDir(b, pb, eb));
    }
    if (c === 0) {
      const aDir = isDir(a, pa, ea);
      const am = modeOf(a, pa, ea.sp);
      const bm = modeOf(b, pb, eb.sp);
      const ao = a.toString('hex', ea.nul + 1, ea.nul + 21);
      const bo = b.toString('hex', eb.nul + 1, eb.nul + 21);
      const key = name(a, ea);
      pa = ea.nul + 21;
      pb = eb.nul + 21;
      if (am === bm && ao === bo) continue;
      if (aDir) diffRec(trees, ao, bo, `${prefix}${key}/`, out, reached, onError, trimAbove);
      else {
        if (reached !== undefined && bm !== '160000') reached.add(bo);
        out.push({ path: decodeName(prefix + key), oldOid: ao, newOid: bo, oldMode: am, newMode: bm });
      }
    } else if (c < 0) {
      const ao = a.toString('hex', ea.nul + 1, ea.nul + 21);
      const am = modeOf(a, pa, ea.sp);
      const key = name(a, ea);
      const dir = isDir(a, pa, ea);
      pa = ea.nul + 21;
      if (dir) diffRec(trees, ao, null, `${prefix}${key}/`, out, reached, onError, trimAbove);
      else out.push({ path: decodeName(prefix + key), oldOid: ao, newOid: null, oldMode: am, newMode: null });
    } else {
      const bo = b.toString('hex', eb.nul + 1, eb.nul + 21);
      const bm = modeOf(b, pb, eb.sp);
      const key = name(b, eb);
      const dir = isDir(b, pb, eb);
      pb = eb.nul + 21;
      if (dir) diffRec(trees, null, bo, `${prefix}${key}/`, out, reached, onError, trimAbove);
      else {
        if (reached !== undefined && bm !== '160000') reached.add(bo);
        out.push({ path: decodeName(prefix + key), oldOid: null, newOid: bo, oldMode: null, newMode: bm });
      }
    }
  }
}

interface Frame {
  oid: string;
  /** The parents the walk follows (none at the shallow boundary); null until the commit is read. */
  parents: string[] | null;
  /** The parents the commit names. */
  named: string[];
  next: number;
  /** The commit's tree (read with its parents). */
  tree: string;
  /** Where the commit's bytes are in the walk's CommitStack (see there). */
  at: number;
  len: number;
}

const NO_PARENTS: string[] = [];

/** A frame for a commit not read yet. */
function frame(oid: string): Frame {
  return { oid, parents: null, named: NO_PARENTS, next: 0, tree: '', at: 0, len: 0 };
}

/**
 * The raw bytes of the commits on the walk's DFS stack, in one buffer that grows and shrinks with the stack. A commit
 * is read when its frame reaches the top of the stack and emitted when the frame is popped; frames are popped in the
 * reverse order of their reads, so the bytes are a stack too. Emitting parses them from here: it read every commit
 * a second time before (and a third for a parent whose tree had left the tree LRU), 547k reads for 200k commits.
 */
class CommitStack {
  private buf = Buffer.allocUnsafeSlow(64 * 1024);
  top = 0;

  push(data: Buffer): number {
    const at = this.top;
    if (at + data.length > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, at + data.length));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    data.copy(this.buf, at);
    this.top = at + data.length;
    return at;
  }

  /** The bytes pushed at `at` (valid until the next push after `at` is popped). */
  view(at: number, len: number): Buffer {
    return this.buf.subarray(at, at + len);
  }
}

/**
 * Walks history. A synchronous generator: the consumer pulls one event at a time, so the walk never runs ahead
 * of the scanning and memory stays bounded (what is retained: one oid set of visited commits, the bounded caches,
 * and the DFS stack with its commits' raw bytes (CommitStack, ~250 bytes a commit), whose depth is at most the
 * length of the longest first-parent-unvisited chain).
 *
 * Order: first the tag / tree / blob events for the tips, then commits in topological order, parents before
 * children (post-order DFS from each tip, parents in their recorded order): when a commit is yielded, all its
 * visited parents have been yielded already, so introduced/removed attribution works in one pass.
 */
export function* walkHistory(store: ObjectStore, opts: WalkOptions): Generator<WalkEvent> {
  const trees = opts.trees ?? new TreeCache(store);
  const reached = opts.reached;
  const shallow = new Set(opts.shallow ?? []);
  const report = (e: unknown, ctx: WalkErrorContext): void => {
    const err = annotate(e, ctx);
    if (opts.onError === undefined) throw err;
    opts.onError(err, ctx);
  };

  // 1. Peel the tips; yield tags, and trees/blobs that are tips or tag targets.
  const commitTips: string[] = [];
  const seenTips = new Set<string>();
  for (const tip of opts.tips) {
    let cur = tip;
    const via: string[] = [];
    for (let depth = 0; depth < 100; depth++) {
      if (seenTips.has(cur)) break;
      seenTips.add(cur);
      let obj;
      try {
        obj = store.read(cur);
      } catch (e) {
        report(e, via.length > 0 ? { referencedBy: via[via.length - 1] ?? '' } : {});
        break;
      }
      if (obj.type === 'commit') {
        commitTips.push(cur);
        seenTips.delete(cur); // commits are de-duplicated by the walk itself
        break;
      }
      reached?.add(cur);
      if (obj.type === 'tag') {
        let tag: ParsedTag;
        try {
          tag = parseTag(obj.data, cur);
        } catch (e) {
          report(e, {});
          break;
        }
        yield { kind: 'tag', oid: cur, tag };
        via.push(cur);
        cur = tag.object;
        continue;
      }
      if (obj.type === 'tree') {
        const changes: TreeChange[] = [];
        diffRec(trees, null, cur, '', changes, reached, (e, path) => report(e, { referencedBy: cur, path }));
        yield { kind: 'tree', oid: cur, via: [...via], changes };
      } else {
        yield { kind: 'blob', oid: cur, via: [...via] };
      }
      break;
    }
  }

  // 2. Everything reachable from `exclude` is off limits.
  const excluded = new Set<string>();
  const excludeTips: string[] = [];
  for (const x of opts.exclude ?? []) {
    try {
      let cur = x;
      for (let d = 0; d < 100; d++) {
        const o = store.read(cur);
        if (o.type === 'tag') cur = parseTag(o.data, cur).object;
        else {
          if (o.type === 'commit') excludeTips.push(cur);
          break;
        }
      }
    } catch (e) {
      report(e, {});
    }
  }
  const stackX = [...excludeTips];
  while (stackX.length > 0) {
    const c = stackX.pop() ?? '';
    if (excluded.has(c) || opts.skip?.has(c) === true) continue;
    excluded.add(c);
    if (shallow.has(c)) continue;
    try {
      for (const p of parseCommitLinks(store.readAs(c, 'commit'), c).parents) if (!excluded.has(p)) stackX.push(p);
    } catch (e) {
      report(e, { referencedBy: c });
    }
  }
  const isOff = (oid: string): boolean => excluded.has(oid) || opts.skip?.has(oid) === true;

  // 3. Post-order DFS: a commit is emitted once all its parents are.
  const visited = new Set<string>();
  const commitTree = new LruCache<string, string>(Number.POSITIVE_INFINITY, 100_000);
  const treeOf = (c: string): string => {
    const t = commitTree.get(c);
    if (t !== undefined) return t;
    const links = parseCommitLinks(store.readAs(c, 'commit', false), c);
    commitTree.set(c, links.tree, 1);
    return links.tree;
  };
  const raw = new CommitStack();
  for (const tip of commitTips) {
    if (visited.has(tip) || isOff(tip)) continue;
    visited.add(tip);
    if (opts.counter) opts.counter.seen = visited.size;
    const stack: Frame[] = [frame(tip)];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      if (top.parents === null) {
        try {
          // Not kept in the object cache: the bytes wait on the CommitStack until the commit is emitted.
          const data = store.readAs(top.oid, 'commit', false);
          const links = parseCommitLinks(data, top.oid);
          top.tree = links.tree;
          top.named = links.parents;
          top.parents = shallow.has(top.oid) ? [] : links.parents;
          top.len = data.length;
          top.at = raw.push(data);
        } catch (e) {
          report(e, {});
          stack.pop();
          continue;
        }
      }
      if (top.next < top.parents.length) {
        const p = top.parents[top.next++] ?? '';
        if (!visited.has(p) && !isOff(p)) {
          visited.add(p);
          if (opts.counter) opts.counter.seen = visited.size;
          stack.push(frame(p));
        }
        continue;
      }
      stack.pop();
      raw.top = top.at;
      // Set when emitted, when its children (emitted soon after) will ask; each commit is emitted once and treeOf
      // asks only for parents (emitted before), so the key is new.
      commitTree.add(top.oid, top.tree, 1);
      // Emit.
      let commit: ParsedCommit;
      try {
        commit = commitOfWalk(raw.view(top.at, top.len), top.oid, top.tree, top.named);
      } catch (e) {
        report(e, {});
        continue;
      }
      reached?.add(top.oid);
      reached?.add(commit.tree);
      const isShallow = shallow.has(top.oid);
      const job: DiffJob = { commit: top.oid, tree: commit.tree, parents: [] };
      if (commit.parents.length === 0 || isShallow) job.parents.push({ parent: null, tree: null, unreadable: false });
      else {
        for (const p of commit.parents) {
          let ptree: string | null = null;
          let unreadable = false;
          try {
            ptree = treeOf(p);
          } catch (e) {
            report(e, { referencedBy: top.oid });
            unreadable = true;
          }
          job.parents.push({ parent: p, tree: ptree, unreadable });
        }
      }
      const defer = typeof opts.deferDiffs === 'function' ? opts.deferDiffs() : opts.deferDiffs === true;
      if (defer && reached === undefined) {
        yield { kind: 'commit', oid: top.oid, commit, diffs: [], shallow: isShallow, job };
        continue;
      }
      const diffs = diffJob(trees, job, (e, path) => report(e, { referencedBy: top.oid, path }), reached);
      yield { kind: 'commit', oid: top.oid, commit, diffs, shallow: isShallow, job: null };
    }
  }
}
