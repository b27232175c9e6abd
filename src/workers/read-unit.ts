// Turns a unit into bytes where the unit names a git blob instead of carrying it (see ScanUnit.gitBlob), and scans it.
// Owns: the per-thread object stores for blob units, and reading errors as data.
// May import: types, errors, matcher, sources/git (the object store, and the tree differ for deferred diffs).
//
// Why the workers read git objects: in a full-history audit, inflating and applying deltas cost more than matching.
// Reading only on the main thread left it the bottleneck while the workers waited (measured on expressjs/express:
// the same wall time with 0, 1 or 2 worker threads). Units of one path go to one worker (affinity), so the delta
// chains of a file's versions are rebuilt in one place and its delta-base cache serves them.
import { LeakhoundError } from '../errors/index.js';
import { Matcher, type MatcherOptions } from '../matcher/index.js';
import { ObjectStore } from '../sources/git/object-store.js';
import { TreeCache, diffJob, type DiffJob } from '../sources/git/walk.js';
import type { DiffOutcome, WorkerInit } from './protocol.js';
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
  private readonly trees = new Map<string, TreeCache>();

  constructor(
    private readonly matcher: Matcher,
    private readonly maxBytes: number | undefined,
    /** Delta-base cache per store (each worker has its own). */
    private readonly deltaCacheBytes = 96 * 1024 * 1024,
  ) {}

  private storeFor(objectsDir: string): ObjectStore {
    let store = this.stores.get(objectsDir);
    if (!store) {
      store = new ObjectStore(objectsDir, { deltaCacheBytes: this.deltaCacheBytes });
      this.stores.set(objectsDir, store);
    }
    return store;
  }

  /** A commit's tree diffs, through this thread's store and tree cache for the repository (see diffOutcome). */
  diff(objectsDir: string, job: DiffJob): DiffOutcome {
    let trees = this.trees.get(objectsDir);
    if (!trees) {
      trees = new TreeCache(this.storeFor(objectsDir));
      this.trees.set(objectsDir, trees);
    }
    return diffOutcome(trees, job);
  }

  /** See Matcher.mayMatch. */
  mayMatch(text: string): boolean {
    return this.matcher.mayMatch(text);
  }

  scan(unit: ScanUnit): UnitResult {
    if (!unit.gitBlob) return this.matcher.scanUnit(unit);
    const { objectsDir, oid } = unit.gitBlob;
    const store = this.storeFor(objectsDir);
    let data: Uint8Array;
    try {
      // The size check walks a delta chain: pay for it only when there is a limit.
      if (this.maxBytes !== undefined) {
        const size = store.readHeader(oid).size;
        if (size > this.maxBytes) return { unitId: unit.id, matches: [], skipped: 'too-large', bytes: size };
      }
      data = store.read(oid).data;
    } catch (e) {
      if (e instanceof LeakhoundError) return { unitId: unit.id, matches: [], bytes: 0, error: e.toJSON() };
      throw e;
    }
    const scanned: ScanUnit = { id: unit.id, bytes: data };
    if (unit.pathHint !== undefined) scanned.pathHint = unit.pathHint;
    const r = this.matcher.scanUnit(scanned);
    if (data.length < 200 && Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, LFS_PREFIX.length)).toString('latin1') === LFS_PREFIX) r.lfsPointer = true;
    return r;
  }

  close(): void {
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
    this.trees.clear();
  }
}
