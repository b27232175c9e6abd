// Turns a unit into bytes where the unit names a git blob instead of carrying it (see ScanUnit.gitBlob), and scans it.
// Owns: the per-thread object stores for blob units, and reading errors as data.
// May import: types, errors, matcher, sources/git (the object store, and the tree differ for deferred diffs).
//
// Why the workers read git objects: in a full-history audit, inflating and applying deltas cost more than matching.
// Reading only on the main thread left it the bottleneck while the workers waited (measured on expressjs/express:
// the same wall time with 0, 1 or 2 worker threads). Units of one path go to one worker (affinity), so the delta
// chains of a file's versions are rebuilt in one place and its delta-base cache serves them.
import { LeakhoundError } from '../errors/index.js';
import { Matcher, isAsciiText, type KeywordHits, type MatcherOptions } from '../matcher/index.js';
import { ObjectStore, type GitObject } from '../sources/git/object-store.js';
import { TreeCache, diffJob, type DiffJob } from '../sources/git/walk.js';
import type { DiffOutcome, WorkerInit } from './protocol.js';
import type { OidClaims } from './claims.js';
import type { ScanUnit, UnitResult } from '../types/index.js';

const LFS_PREFIX = 'version https://git-lfs.github.com/spec/v1';

/** The scanner a worker (or the pool's own thread) builds from the pool's settings. */
export function scannerFor(init: Omit<WorkerInit, 'verdicts'>): UnitScanner {
  const opts: MatcherOptions = { prefilter: init.prefilter, inlineAllow: init.inlineAllow };
  if (init.allow) opts.allow = init.allow;
  if (init.maxBytes !== undefined) opts.maxBytes = init.maxBytes;
  return new UnitScanner(new Matcher(init.rules, opts), init.maxBytes);
}

/** A commit's tree diffs (see WalkOptions.deferDiffs), with unreadable objects reported, and skipped, as data. */
export function diffOutcome(trees: TreeCache, job: DiffJob): DiffOutcome {
  const errors: DiffOutcome['errors'] = [];
  const diffs = diffJob(trees, job, (e, path) => errors.push({ error: e.toJSON(), path }));
  return { diffs, errors };
}

export class UnitScanner {
  private readonly stores = new Map<string, ObjectStore>();
  /** The text hitsOf made of the blob being scanned, if it had to make it (for scan to reuse). */
  private text: string | undefined;
  private readonly trees = new Map<string, TreeCache>();
  /** The audit's claim table (see claims.ts), for diffs that scan the blobs they bring in. */
  claims: OidClaims | undefined;

  constructor(
    private readonly matcher: Matcher,
    private readonly maxBytes: number | undefined,
    /**
     * Delta-base cache per store (each worker has its own). 32 MiB, not the store's 96: blobs are read in history
     * order, so the base a blob needs was built moments before, and a smaller cache reuses memory sooner (express:
     * 74k page faults instead of 95k, 2.79 vs 2.91 s over 6 alternating rounds; the 200k-commit benchmark 30.9 vs
     * 31.1 s, and 34.3 s with 16 MiB).
     */
    private readonly deltaCacheBytes = 32 * 1024 * 1024,
    /** Derive the keyword hits of blobs rebuilt from deltas from their bases' (see hitsOf); false for tests. */
    private readonly derive = true,
  ) {}

  private storeFor(objectsDir: string): ObjectStore {
    let store = this.stores.get(objectsDir);
    if (!store) {
      // scan() is done with each blob before its next read: the store may reuse blob memory (recycleBlobs).
      store = new ObjectStore(objectsDir, { deltaCacheBytes: this.deltaCacheBytes, origins: this.derive, recycleBlobs: true, recycleTrees: true });
      this.stores.set(objectsDir, store);
    }
    return store;
  }

  /**
   * A commit's tree diffs, through this thread's store and tree cache for the repository (see diffOutcome). With
   * `scan` (and a claim table), also the scans of the blobs they bring in (new and old sides, as the audit asks for
   * them) that this thread claims first: the rest another thread has scanned or is scanning.
   */
  diff(objectsDir: string, job: DiffJob, scan = false): DiffOutcome {
    let trees = this.trees.get(objectsDir);
    if (!trees) {
      trees = new TreeCache(this.storeFor(objectsDir));
      this.trees.set(objectsDir, trees);
    }
    const out = diffOutcome(trees, job);
    const claims = this.claims;
    if (!scan || claims === undefined) return out;
    const scans: UnitResult[] = [];
    const take = (oid: string | null, mode: string | null, path: string): void => {
      if (oid === null || mode === '160000' || mode === '120000' || !claims.claim(oid)) return;
      scans.push(this.scan({ id: oid, gitBlob: { objectsDir, oid }, pathHint: path }));
    };
    for (const d of out.diffs) {
      for (const ch of d.changes) {
        take(ch.newOid, ch.newMode, ch.path);
        take(ch.oldOid, ch.oldMode, ch.path);
      }
    }
    if (scans.length > 0) out.scans = scans;
    return out;
  }

  scan(unit: ScanUnit): UnitResult {
    if (!unit.gitBlob) return this.matcher.scanUnit(unit);
    const { objectsDir, oid } = unit.gitBlob;
    const store = this.storeFor(objectsDir);
    let obj: GitObject;
    try {
      // The size check walks a delta chain: pay for it only when there is a limit.
      if (this.maxBytes !== undefined) {
        const size = store.readHeader(oid).size;
        if (size > this.maxBytes) return { unitId: unit.id, matches: [], skipped: 'too-large', bytes: size };
      }
      obj = store.read(oid);
    } catch (e) {
      if (e instanceof LeakhoundError) return { unitId: unit.id, matches: [], bytes: 0, error: e.toJSON() };
      throw e;
    }
    const data = obj.data;
    let r: UnitResult;
    // ASCII text (most source) is decoded as decodeUnit would, and its keyword hits may come from its delta base.
    // Without hits (and with every rule keyed) it has no matches: its text is never made (6,774 of express's blobs).
    if (this.derive && obj.key !== null && isAsciiText(data)) {
      this.text = undefined;
      const hits = this.hitsOf(obj, store, 0);
      if (hits !== undefined && hits.count === 0 && this.matcher.hitsDecide) r = { unitId: unit.id, matches: [], bytes: data.length, encoding: 'utf-8' };
      else {
        r = this.matcher.scanText(this.text ?? data.toString('latin1'), unit.id, unit.pathHint, data.length, hits);
        r.encoding = 'utf-8';
      }
    } else {
      const scanned: ScanUnit = { id: unit.id, bytes: data };
      if (unit.pathHint !== undefined) scanned.pathHint = unit.pathHint;
      r = this.matcher.scanUnit(scanned);
    }
    if (data.length < 200 && Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, LFS_PREFIX.length)).toString('latin1') === LFS_PREFIX) r.lfsPointer = true;
    return r;
  }

  /**
   * The keyword hits of an ASCII blob: kept in its memo while the store caches it, derived from its delta base's
   * hits when the base is cached and ASCII (a version of a file is mostly copies of the next: git deltas each
   * version against another), else found by a full pass. Matching's first pass, the keyword automaton over every
   * character, was the largest part of the worker's time on a long history (express: 0.6 s of 2.3 s). Hits are
   * kept only when they are few (8 bytes each, at most about the text's size): a base whose hits are not kept
   * (memo null: too many, or not ASCII) is never derived from.
   */
  private hitsOf(obj: GitObject, store: ObjectStore, depth: number): KeywordHits | undefined {
    if (obj.memo !== undefined) return (obj.memo as KeywordHits | null) ?? undefined;
    const data = obj.data;
    let hits: KeywordHits | undefined;
    const o = obj.origin;
    if (o !== null && depth < 64) {
      const base = store.cachedAt(o.base);
      if (base !== undefined && base.memo === undefined && !isAsciiText(base.data)) base.memo = null;
      const baseHits = base === undefined || base.memo === null ? undefined : this.hitsOf(base, store, depth + 1);
      // Only the stretches derive scans are decoded.
      if (baseHits !== undefined) hits = this.matcher.deriveHits(baseHits, o.runs, data.length, (from, to) => data.toString('latin1', from, to));
    }
    if (hits === undefined) {
      // A full pass: the scan of this blob (depth 0) reuses the text.
      const text = data.toString('latin1');
      if (depth === 0) this.text = text;
      hits = this.matcher.keywordHits(text);
    }
    obj.memo = hits !== undefined && hits.count * 8 <= data.length + 64 ? hits : null;
    return hits;
  }

  close(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
    this.trees.clear();
  }
}
