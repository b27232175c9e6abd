// The full-history audit: every commit of every ref -> one finding per distinct secret per rule, with where it
// came in, where it went out, and whether it is still at a ref tip.
// Owns: joining the git walker (sources/git), the matcher pool (workers) and history attribution.
// May import: types, errors, sources/git, workers, findings, rules (types).
//
// How (ARCHITECTURE §2): the walker yields commits parents-first with per-parent tree diffs that skip equal
// subtrees. Each blob OID is read and scanned once; its secrets are cached by OID. Attribution needs no text
// diffs: every commit gets a count of each known secret in its tree, derived from its first parent's counts and the
// changed paths' old/new secret sets (commits whose changes hold no secret share their parent's counts object, so
// this costs memory only where secrets are). A commit introduces S when S is in its tree and in none of its
// parents' trees; it removes S when S was in a parent's tree and is not in its own. The walk (main thread) overlaps
// with reading and matching blobs (worker threads); results are applied in walk order from a bounded FIFO, each
// commit as soon as its scans are in. On a long history runs of the walk's tree diffs also move to a worker, which
// scans the blobs they bring in there (see sendDiffs; whoever meets a blob first scans it, workers/claims.ts):
// ARCHITECTURE §2 has the main thread diff; a 200,000-commit history showed the main thread as the critical path
// while the worker idled.
import { availableParallelism, totalmem } from 'node:os';
import { LeakhoundError } from '../errors/index.js';
import { fingerprint, newFinding } from '../findings/index.js';
import {
  type GitRef,
  type ObjectStore,
  type ParentDiff,
  type TreeChange,
  type WalkEvent,
  TreeCache,
  diffTrees,
  listRefs,
  openRepository,
  parseCommit,
  peel,
  resolveRef,
  walkHistory,
  walkUnreachable,
} from '../sources/git/index.js';
import type { CommitRef, Finding, FindingStatus, Occurrence, RawMatch, RuleSpec, UnitResult } from '../types/index.js';
import { type ScanPool, createPool } from '../workers/pool.js';
import type { DiffOutcome } from '../workers/protocol.js';
import { diffOutcome } from '../workers/read-unit.js';
import { OidClaims } from '../workers/claims.js';
import type { LoadedRules } from '../rules/load.js';

export interface AuditOptions {
  repo: string;
  /** Refs to scan (names or oids); default every ref. */
  refs?: string[];
  /** Only commits not reachable from these (A..B ranges, --since-commit, incremental audits). */
  exclude?: string[];
  unreachable?: boolean;
  maxFileSize?: number;
  threads?: number;
  inlineAllow?: boolean;
  /**
   * Bytes of pack files to hold whole in shared memory for the walk and the workers (default for a full history:
   * a quarter of RAM, at most 2 GiB; for a range (`exclude`), which reads few objects: 0, every pack through the
   * per-thread block caches). Packs beyond the budget use the block cache.
   */
  packMemory?: number;
  /** Scan commit and tag messages (default true). */
  messages?: boolean;
  /**
   * Incremental audits (with `exclude`): also report every secret still at a scanned ref tip (tips not walked get
   * their counts from their full trees) and every secret a walked commit removes, even when no walked commit adds
   * it; such findings may have no occurrences. A full audit reports exactly these anyway.
   */
  completeTips?: boolean;
  onProgress?: (p: AuditProgress) => void;
  /**
   * Tuning, and tests of both paths: commits walked before the walk's tree diffs may move to the workers (default
   * DEFER_AFTER), and the diff runs a worker may have in hand before the walk diffs the next run itself (default
   * OFFLOAD_RUNS; 0: never, Infinity: always).
   */
  deferDiffsAfter?: number;
  offloadRuns?: number;
  /** Debug/test hook: called once per distinct blob OID the audit considers (read, or skipped by size). */
  onBlob?: (oid: string) => void;
}

export interface AuditProgress {
  commits: number;
  /**
   * Commits the walk has met so far: what it will walk in all, once it has descended from every ref (a lower bound
   * before, and counting commits --unreachable finds only as it finds them).
   */
  total: number;
  blobs: number;
  bytes: number;
  findings: number;
}

export interface AuditStats {
  commits: number;
  blobs: number;
  bytes: number;
  binary: number;
  tooLarge: number;
  lfsPointers: number;
  submodules: number;
  symlinks: number;
  messages: number;
  unreachableCommits: number;
  unreachableBlobs: number;
  ms: number;
}

export interface AuditResult {
  findings: Finding[];
  stats: AuditStats;
  /** Missing or corrupt objects: the audit went on without them. Sorted by message (the object id comes first). */
  errors: Array<{ code: string; message: string }>;
  shallow: boolean;
  /** Ref name -> commit oid at the time of the audit (for incremental audits). */
  tips: Record<string, string>;
  scannedRefs: string[];
}

/** A secret found in a blob, as cached by blob OID. */
interface BlobSecret {
  key: string;
  m: RawMatch;
}
const NONE: BlobSecret[] = [];

/**
 * Commits per diff run sent to a worker, and runs (here or on the worker) not yet taken before the walk waits for the
 * oldest. Runs diffed here queue behind an unfinished one of the worker's; with three in the worker's hand, 8 made
 * the walk wait for them (see OFFLOAD_RUNS).
 */
const DIFF_RUN = 64;
const DIFF_RUNS_AHEAD = 16;
/**
 * Commits walked before the walk's diffs may move to a worker (see sendDiffs). Below it they stay in the walk: on
 * express (11,467 commits) runs of diffs on the worker, or just cut into runs, cost 0.2-0.3 s of 3.5 (a second
 * isolate compiling the differ, two tree caches); on the 200k-commit benchmark they save a quarter of the time.
 */
const DEFER_AFTER = 20_000;
/**
 * A diff run goes to a worker while it has fewer runs than this in hand (see sendDiffs). 200k-commit benchmark, 7
 * alternating rounds: 3 (with 16 runs ahead) 19.57 s median, faster in 6 rounds, vs 2 (with 8) 20.05 s; 4, or 32
 * ahead, no better (single rounds).
 */
const OFFLOAD_RUNS = 3;

/** Commits enqueued, their scans not all in, before the walk waits for the oldest. */
const FIFO_MAX = 256;

/** Layers a commit's counts may stack over its first parent's before they are flattened into one array. */
const COUNT_LAYERS = 32;

/** Secret keys as small integers, for Counts (an audit's keys, numbered as first seen). */
class KeyIds {
  private readonly ids = new Map<string, number>();
  readonly keys: string[] = [];

  id(key: string): number {
    let i = this.ids.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.ids.set(key, i);
      this.keys.push(key);
    }
    return i;
  }

  /** The key's number if it has one (a key never seen is in no commit's counts). */
  find(key: string): number | undefined {
    return this.ids.get(key);
  }
}

/**
 * How many times each secret (by key) occurs in a commit's tree, as the changes of that commit over its first
 * parent's counts. Each commit's counts were a full copy of its parent's map before whenever its changes touched a
 * secret: on the 200k-commit benchmark (1,323 secrets, most files holding some) that was tens of millions of map
 * entries copied and kept, and the young generation promoting them cost the main thread ~6 s of collections. A
 * lookup walks at most COUNT_LAYERS layers; every COUNT_LAYERS-th layer is flat: an Int32Array of counts indexed by
 * the key's number (KeyIds), not a Map of strings (the flattened Maps were 650 MB of the main thread's 4.2 GB of
 * allocations on that benchmark, and ~84 MB of its live heap, marked by every full collection).
 */
class Counts {
  /** A flat layer's counts, indexed by key number. */
  private readonly flat: Int32Array | undefined;

  private constructor(
    private readonly ids: KeyIds,
    private readonly base: Counts | null,
    /** Counts this layer sets, by key number (0: the secret is gone here); null for a flat layer. */
    private readonly own: Map<number, number> | null,
    private readonly depth: number,
    flat?: Int32Array,
  ) {
    this.flat = flat;
  }

  static empty(ids: KeyIds): Counts {
    return new Counts(ids, null, null, 0, new Int32Array(0));
  }

  static of(ids: KeyIds, all: Map<string, number>): Counts {
    for (const k of all.keys()) ids.id(k);
    const arr = new Int32Array(ids.keys.length);
    for (const [k, v] of all) arr[ids.id(k)] = v;
    return new Counts(ids, null, null, 0, arr);
  }

  get(key: string): number {
    const i = this.ids.find(key);
    return i === undefined ? 0 : this.at(i);
  }

  private at(i: number): number {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let c: Counts | null = this;
    while (c !== null) {
      if (c.own !== null) {
        const v = c.own.get(i);
        if (v !== undefined) return v;
      } else if (c.flat !== undefined) return i < c.flat.length ? c.flat[i]! : 0;
      c = c.base;
    }
    return 0;
  }

  has(key: string): boolean {
    return this.get(key) > 0;
  }

  /** This commit's counts: these changes over this layer (new counts by key; 0 removes). */
  with(changes: Map<string, number>): Counts {
    const own = new Map<number, number>();
    for (const [k, v] of changes) own.set(this.ids.id(k), v);
    const layer = new Counts(this.ids, this, own, this.depth + 1);
    return this.depth + 1 < COUNT_LAYERS ? layer : new Counts(this.ids, null, null, 0, layer.array());
  }

  /**
   * Every count, indexed by key number: a flat layer's own array, or (not kept: merges and tips ask, and a kept array
   * per asking layer would grow with the history) the nearest flat layer's with the layers above it applied.
   */
  private array(): Int32Array {
    if (this.flat !== undefined) return this.flat;
    const layers: Array<Map<number, number>> = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let c: Counts | null = this;
    while (c !== null && c.flat === undefined) {
      if (c.own !== null) layers.push(c.own);
      c = c.base;
    }
    const from = c?.flat ?? new Int32Array(0);
    const arr = new Int32Array(Math.max(from.length, this.ids.keys.length));
    arr.set(from);
    for (let k = layers.length - 1; k >= 0; k--) for (const [i, v] of layers[k]!) arr[i] = v > 0 ? v : 0;
    return arr;
  }

  /** Every secret present (count > 0). */
  *keys(): IterableIterator<string> {
    const arr = this.array();
    for (let i = 0; i < arr.length; i++) if (arr[i]! > 0) yield this.ids.keys[i]!;
  }
}

type CommitEvent = Extract<WalkEvent, { kind: 'commit' }>;

/**
 * Where a commit's diffs first reference a blob (its new side in the commit, its old side in the parent), as the
 * main thread names it when it asks for the blob itself (enqueueCommit's order).
 */
function whereIn(commit: string, diffs: ParentDiff[], oid: string): { referencedBy: string; path: string } {
  for (const d of diffs) {
    for (const ch of d.changes) {
      if (ch.newOid === oid) return { referencedBy: commit, path: ch.path };
      if (ch.oldOid === oid) return { referencedBy: d.parent ?? commit, path: ch.path };
    }
  }
  return { referencedBy: commit, path: '' };
}

interface FindingAcc {
  key: string;
  ruleId: string;
  secret: string;
  entropy: number;
  groups: Record<string, string>;
  occurrences: Occurrence[];
  occSeen: Set<string>;
  introducedIn: CommitRef[];
  removedIn: CommitRef[];
  reachable: boolean;
}


function commitRef(oid: string, ev: CommitEvent): CommitRef {
  const c = ev.commit;
  return { commit: oid, author: c.author.name, email: c.author.email, date: c.author.date, subject: c.message.split('\n')[0] ?? '' };
}

/** Picks the refs an audit covers. */
function selectRefs(repoRefs: GitRef[], wanted: string[] | undefined, resolve: (n: string) => string): Array<{ name: string; oid: string }> {
  if (!wanted || wanted.length === 0) return repoRefs.map((r) => ({ name: r.name, oid: r.oid }));
  return wanted.map((n) => ({ name: n, oid: resolve(n) }));
}

export async function runAudit(loaded: LoadedRules, o: AuditOptions): Promise<AuditResult> {
  const t0 = performance.now();
  const { repo, store } = openRepository(o.repo, { recycleTrees: true });
  const errors: Array<{ code: string; message: string }> = [];
  const onError = (e: LeakhoundError, ctx: { referencedBy?: string; path?: string }): void => {
    const where = [ctx.referencedBy ? `referenced by ${ctx.referencedBy}` : '', ctx.path ? `at ${ctx.path}` : ''].filter(Boolean).join(' ');
    errors.push({ code: e.code, message: where ? `${e.message} (${where})` : e.message });
  };
  const rules = new Map<string, RuleSpec>(loaded.rules.map((r) => [r.id, r]));
  const poolIn: Parameters<typeof createPool>[0] = { rules: loaded.rules, allow: loaded.allow, inlineAllow: o.inlineAllow ?? true };
  if (o.maxFileSize !== undefined) poolIn.maxBytes = o.maxFileSize;
  // The pool starts first: a worker takes ~0.2 s to boot (Node's worker start-up, then the matcher), time the main
  // thread spends listing refs and reading the packs (express: the worker was ready ~0.55 s after the process started
  // when it was started after them, ~0.2 s later than now).
  // One matcher worker per core but one: the walk and attribution keep the main thread busy. On 2 cores one worker
  // gave the same or better wall time than two with ~15 % less CPU (bench/audit/RESULTS.md), a third isolate
  // compiling the same code and contending for the cores.
  const pool: ScanPool = createPool(poolIn, { threads: o.threads ?? Math.max(1, availableParallelism() - 1) });
  let refs: Array<{ name: string; oid: string }>;
  let excludeOids: string[];
  // With diff runs on a worker, whoever meets a blob first scans it (workers/claims.ts): a run's worker scans the
  // blobs its diffs bring in, this thread the ones of the commits it diffs. Not with --unreachable (no diff runs).
  let claims: OidClaims | undefined;
  try {
    refs = selectRefs(listRefs(repo), o.refs, (n) => resolveRef(repo, n, store).oid);
    excludeOids = (o.exclude ?? []).map((n) => resolveRef(repo, n, store).oid);
    // A range (a pull request, an incremental audit) reads a few objects: the block caches serve it without reading
    // whole packs; a full history reads nearly every object, and holding the packs pays off.
    // With a worker, the worker reads the packs into the shared memory while this thread starts the walk (its
    // descent reads commits from what is filled so far): on the 200k-commit benchmark the walk's first commit is
    // emitted after ~2.5 s of reading commits, time the worker had spent idle after this thread's 1 s pack load.
    const fill = pool.threads > 0;
    pool.sharePacks(store.loadPacks(o.packMemory ?? (excludeOids.length > 0 ? 0 : defaultPackMemory()), fill), fill);
    if (pool.threads > 0 && o.unreachable !== true) {
      // Room for every object of the packs (only blobs are claimed; ~1 in 5 objects on the 200k-commit benchmark,
      // 32 MB for its 1.0 million objects) and some loose ones.
      claims = OidClaims.create(store.packs.reduce((n, p) => n + p.index.count, 0) + 65_536);
      pool.shareClaims(claims);
    }
  } catch (e) {
    await pool.close();
    closeStore(store);
    throw e;
  }
  const stats: AuditStats = { commits: 0, blobs: 0, bytes: 0, binary: 0, tooLarge: 0, lfsPointers: 0, submodules: 0, symlinks: 0, messages: 0, unreachableCommits: 0, unreachableBlobs: 0, ms: 0 };
  const blobSecrets = new Map<string, BlobSecret[] | Promise<BlobSecret[]>>();
  const acc = new Map<string, FindingAcc>();
  const counts = new Map<string, Counts>();
  const keyIds = new KeyIds();
  const EMPTY_COUNTS = Counts.empty(keyIds);
  const trees = new TreeCache(store);
  // Every commit, tree and blob oid the walk reaches, for --unreachable only: on 200,000 commits that is over a
  // million strings held to the end (memory, and a young generation promoting them).
  const reached = o.unreachable ? new Set<string>() : undefined;
  /** completeTips: one match per secret key seen in any blob (to report secrets only boundary trees hold). */
  const sample = new Map<string, BlobSecret>();

  const keyOf = (m: RawMatch): string => fingerprint(m.ruleId, m.secret);

  /**
   * Blobs the main thread found claimed (see claims below) by a diff run in flight on a worker: settled when that
   * run's scans come in (recordRun).
   */
  const fromRuns = new Map<string, { resolve: (list: BlobSecret[]) => void; reject: (e: unknown) => void }>();

  /** A blob's scan result, into blobSecrets (and to whoever waits for it from a run). */
  const recordScan = (oid: string, r: UnitResult, ctx: { referencedBy?: string; path: string }): BlobSecret[] => {
    let list: BlobSecret[];
    if (r.error) {
      // Name the commit that references the blob, not only the path (issue 4: "which object and where referenced").
      onError(LeakhoundError.fromJSON(r.error), ctx);
      list = NONE;
    } else {
      if (r.skipped === 'too-large') stats.tooLarge++;
      else {
        stats.blobs++;
        stats.bytes += r.bytes;
      }
      if (r.skipped === 'binary') stats.binary++;
      if (r.lfsPointer) stats.lfsPointers++;
      list = r.matches.length ? r.matches.map((m) => ({ key: keyOf(m), m })) : NONE;
      if (o.completeTips) for (const bs of list) if (!sample.has(bs.key)) sample.set(bs.key, bs);
    }
    blobSecrets.set(oid, list);
    const waiting = fromRuns.get(oid);
    if (waiting !== undefined) {
      fromRuns.delete(oid);
      waiting.resolve(list);
    }
    return list;
  };

  /** Scans a blob once; later requests share the result. */
  const secretsOf = (oid: string, pathHint: string, referencedBy?: string): BlobSecret[] | Promise<BlobSecret[]> => {
    const hit = blobSecrets.get(oid);
    if (hit) return hit;
    if (claims !== undefined && !claims.claim(oid)) {
      const p = new Promise<BlobSecret[]>((resolve, reject) => fromRuns.set(oid, { resolve, reject }));
      blobSecrets.set(oid, p);
      return p;
    }
    o.onBlob?.(oid);
    // The worker (or the in-thread scanner) reads the blob itself: reading costs more than matching, and this way
    // both run on every core. Blobs of one path share an affinity, so their delta chains stay in one worker.
    const ctx = referencedBy === undefined ? { path: pathHint } : { referencedBy, path: pathHint };
    const p = pool.scan({ id: oid, gitBlob: { objectsDir: repo.objectsDir, oid }, pathHint, affinity: hashPath(pathHint) }).then((r) => recordScan(oid, r, ctx));
    blobSecrets.set(oid, p);
    return p;
  };

  /** The scans a diff run's worker made (DiffOutcome.scans), recorded as they arrive. */
  const recordRun = (evs: CommitEvent[], outs: DiffOutcome[]): void => {
    for (let i = 0; i < outs.length; i++) {
      const scans = outs[i]!.scans;
      if (scans === undefined) continue;
      const ev = evs[i]!;
      for (const r of scans) {
        o.onBlob?.(r.unitId);
        recordScan(r.unitId, r, r.error ? whereIn(ev.oid, outs[i]!.diffs, r.unitId) : { path: '' });
      }
    }
  };

  const accFor = (bs: BlobSecret): FindingAcc => {
    let f = acc.get(bs.key);
    if (!f) {
      f = { key: bs.key, ruleId: bs.m.ruleId, secret: bs.m.secret, entropy: bs.m.entropy, groups: bs.m.groups, occurrences: [], occSeen: new Set(), introducedIn: [], removedIn: [], reachable: false };
      acc.set(bs.key, f);
    }
    return f;
  };

  /** Secret counts of a commit that the walk did not visit (range boundary): from its full tree. */
  const boundaryCounts = async (commitOid: string): Promise<Counts> => {
    const known = counts.get(commitOid);
    if (known) return known;
    let tree: string;
    try {
      tree = parseCommit(store.readAs(commitOid, 'commit'), commitOid).tree;
    } catch (e) {
      if (e instanceof LeakhoundError) onError(e, { referencedBy: commitOid });
      return EMPTY_COUNTS;
    }
    const all: TreeChange[] = [];
    diffTrees(trees, null, tree, all, { onError: (e, path) => onError(e, { referencedBy: commitOid, path }) });
    const found = new Map<string, number>();
    for (const ch of all) {
      if (!ch.newOid || ch.newMode === '160000' || ch.newMode === '120000') continue;
      for (const bs of await secretsOf(ch.newOid, ch.path, commitOid)) found.set(bs.key, (found.get(bs.key) ?? 0) + 1);
    }
    const c = Counts.of(keyIds, found);
    counts.set(commitOid, c);
    return c;
  };

  interface PendingCommit {
    ev: CommitEvent;
    /**
     * The oids of its blobs whose scans were pending when it was enqueued; null once all are in. Whether they are is
     * read from blobSecrets (see settled): a promise is made only for a commit the walk has to wait for (waitOf).
     */
    blobs: string[] | null;
    unreachable: boolean;
    /** The scan of its message (one that holds a keyword), until it is in; then its result. */
    messageScan: Promise<unknown> | null;
    messageResult: UnitResult | undefined;
  }
  const fifo: PendingCommit[] = [];
  /** Commits the walk has met (WalkOptions.counter), for progress. */
  const walked = { seen: 0 };

  // isBlob runs several times per change (enqueue, apply, occurrences): count distinct gitlink / symlink OIDs in
  // sets, not calls, or every entry was counted three times or more. A test, not a filtered copy of the changes:
  // three arrays per commit were allocations the main thread's collector paid for.
  const gitlinks = new Set<string>();
  const symlinks = new Set<string>();
  const isBlob = (ch: TreeChange): boolean => {
    if (ch.newMode === '160000') {
      if (ch.newOid) gitlinks.add(ch.newOid);
      return false;
    }
    if (ch.newMode === '120000') {
      if (ch.newOid) symlinks.add(ch.newOid);
      return false;
    }
    return true;
  };
  /** Secret keys of the trees and blobs that tags or refs point at directly, by the oid the ref names. */
  const directKeys = new Map<string, Set<string>>();

  const enqueueCommit = (ev: CommitEvent, unreachable: boolean): void => {
    stats.commits++;
    if (unreachable) stats.unreachableCommits++;
    let blobs: string[] | null = null;
    for (const d of ev.diffs) {
      for (const ch of d.changes) {
        if (!isBlob(ch)) continue;
        if (ch.newOid && !Array.isArray(secretsOf(ch.newOid, ch.path, ev.oid))) (blobs ??= []).push(ch.newOid);
        if (ch.oldOid && ch.oldMode !== '160000' && ch.oldMode !== '120000' && !Array.isArray(secretsOf(ch.oldOid, ch.path, d.parent ?? ev.oid))) (blobs ??= []).push(ch.oldOid);
      }
    }
    const pc: PendingCommit = { ev, blobs, unreachable, messageScan: null, messageResult: undefined };
    if (o.messages !== false && ev.commit.message) {
      stats.messages++;
      // Only a message that holds a keyword goes to a worker (see ScanPool.mayMatch); applied with the commit.
      if (pool.mayMatch(ev.commit.message)) {
        pc.messageScan = pool.scan({ id: `msg:${ev.oid}`, text: ev.commit.message }).then((r) => {
          pc.messageResult = r;
          pc.messageScan = null;
        });
      }
    }
    fifo.push(pc);
  };

  /** Whether everything a commit waits for has settled (its blobs' results are in blobSecrets, its message's here). */
  const settled = (pc: PendingCommit): boolean => {
    if (pc.messageScan !== null) return false;
    if (pc.blobs === null) return true;
    for (const oid of pc.blobs) if (!Array.isArray(blobSecrets.get(oid))) return false;
    pc.blobs = null;
    return true;
  };

  /** What an unsettled commit waits for. */
  const waitOf = (pc: PendingCommit): Promise<unknown> => {
    const all: Array<Promise<unknown>> = [];
    if (pc.messageScan !== null) all.push(pc.messageScan);
    for (const oid of pc.blobs ?? []) {
      const r = blobSecrets.get(oid);
      if (r instanceof Promise) all.push(r);
    }
    return Promise.all(all);
  };

  const sync = (x: BlobSecret[] | Promise<BlobSecret[]> | undefined): BlobSecret[] => (Array.isArray(x) ? x : NONE);

  /**
   * Applies one commit whose blobs are all scanned: counts, occurrences, introduced/removed. Synchronous unless a
   * parent's counts must first be made from its tree (a range's boundary); then a promise.
   */
  const applyCommit = (pc: PendingCommit): Promise<void> | undefined => {
    const parentCounts: Counts[] = [];
    for (const d of pc.ev.diffs) {
      const c = d.parent === null ? EMPTY_COUNTS : counts.get(d.parent);
      if (c === undefined) {
        return (async () => {
          const all: Counts[] = [];
          for (const e of pc.ev.diffs) all.push(e.parent === null ? EMPTY_COUNTS : (counts.get(e.parent) ?? (await boundaryCounts(e.parent))));
          applyCounted(pc, all);
        })();
      }
      parentCounts.push(c);
    }
    applyCounted(pc, parentCounts);
    return undefined;
  };

  const applyCounted = (pc: PendingCommit, parentCounts: Counts[]): void => {
    const { ev } = pc;
    if (pc.messageResult !== undefined) {
      const matches = pc.messageResult.matches;
      if (matches.length > 0) {
        const ref = commitRef(ev.oid, ev);
        for (const m of matches) {
          const f = accFor({ key: keyOf(m), m });
          if (!pc.unreachable) f.reachable = true;
          f.occurrences.push({ path: '<commit message>', line: m.line, column: m.column, endLine: m.endLine, endColumn: m.endColumn, commit: ev.oid, author: ref.author, email: ref.email, date: ref.date, introduced: true });
          if (!f.introducedIn.some((c) => c.commit === ev.oid)) f.introducedIn.push(ref);
        }
      }
    }
    const first = ev.diffs[0];
    const p0 = parentCounts[0] ?? EMPTY_COUNTS;
    /** New counts of the secrets this commit's first-parent changes touched, and their keys (made when needed). */
    let changed: Map<string, number> | undefined;
    let touched: Set<string> | undefined;
    // The commit's reference (author, date, subject) is made only for a commit that appears in a finding.
    let refMemo: CommitRef | undefined;
    const ref = (): CommitRef => (refMemo ??= commitRef(ev.oid, ev));
    if (first) {
      for (const ch of first.changes) {
        if (!isBlob(ch)) continue;
        const olds = ch.oldOid && ch.oldMode !== '160000' && ch.oldMode !== '120000' ? sync(blobSecrets.get(ch.oldOid)) : NONE;
        const news = ch.newOid ? sync(blobSecrets.get(ch.newOid)) : NONE;
        if (olds === NONE && news === NONE) continue;
        changed ??= new Map();
        touched ??= new Set();
        for (const bs of olds) {
          const n = (changed.get(bs.key) ?? p0.get(bs.key)) - 1;
          changed.set(bs.key, n > 0 ? n : 0);
          touched.add(bs.key);
        }
        for (const bs of news) {
          changed.set(bs.key, (changed.get(bs.key) ?? p0.get(bs.key)) + 1);
          touched.add(bs.key);
        }
      }
    }
    const mine = changed !== undefined && changed.size > 0 ? p0.with(changed) : p0;
    counts.set(ev.oid, mine);
    // Occurrences: each (path, blob) where the blob changed at that path, from any parent diff.
    let seenHere: Set<string> | undefined;
    for (const d of ev.diffs) {
      for (const ch of d.changes) {
        if (!ch.newOid || !isBlob(ch)) continue;
        // Most blobs hold no secret: no key string, no set entry for them.
        const secrets = sync(blobSecrets.get(ch.newOid));
        if (secrets.length === 0) continue;
        const tag = `${ch.path}\0${ch.newOid}`;
        seenHere ??= new Set();
        if (seenHere.has(tag)) continue;
        seenHere.add(tag);
        for (const bs of secrets) {
          const f = accFor(bs);
          if (!pc.unreachable) f.reachable = true;
          const occKey = `${ch.path}\0${ch.newOid}\0${bs.m.start}`;
          if (f.occSeen.has(occKey)) continue;
          f.occSeen.add(occKey);
          const introduced = parentCounts.every((pcnt) => !pcnt.has(bs.key));
          const r = ref();
          f.occurrences.push({ path: ch.path, line: bs.m.line, column: bs.m.column, endLine: bs.m.endLine, endColumn: bs.m.endColumn, blob: ch.newOid, commit: ev.oid, author: r.author, email: r.email, date: r.date, introduced });
        }
      }
    }
    // Introduced: in this commit's tree and in no parent's; removed: in a parent's and not in this one's. With one
    // parent only the keys its changes touched can differ (every other count is the parent's very map), so a long
    // history with many secrets in its trees does not pay for all of them on every commit; merges compare in full.
    const single = parentCounts.length <= 1;
    // One parent and no secret touched: nothing came in or went out.
    if (single && touched === undefined) return;
    const introducedKeys = single ? [...touched!].filter((k) => mine.has(k) && !p0.has(k)) : [...mine.keys()].filter((k) => parentCounts.every((pcnt) => !pcnt.has(k)));
    for (const key of introducedKeys) {
      const f = acc.get(key);
      if (f && !f.introducedIn.some((c) => c.commit === ev.oid)) f.introducedIn.push(ref());
    }
    const removedKeys = new Set<string>();
    if (single) {
      for (const key of touched!) if (!mine.has(key) && p0.has(key)) removedKeys.add(key);
    } else for (const pcnt of parentCounts) for (const key of pcnt.keys()) if (!mine.has(key)) removedKeys.add(key);
    for (const key of removedKeys) {
      let f = acc.get(key);
      if (!f && o.completeTips && sample.has(key)) {
        f = accFor(sample.get(key)!);
        if (!pc.unreachable) f.reachable = true;
      }
      f?.removedIn.push(ref());
    }
  };

  /**
   * Applies the commits at the head of the FIFO whose scans are all in, as soon as they are: a commit held after
   * that only kept its diffs alive into the next young-generation collection (the walk's pipeline is most of what
   * those collections copy). A promise only when a commit's parent counts must first be made (a range's boundary).
   */
  const applySettled = (): Promise<void> | undefined => {
    while (fifo.length > 0 && settled(fifo[0]!)) {
      const r = applyCommit(fifo.shift()!);
      if (r !== undefined) return r.then(() => applySettled());
    }
    return undefined;
  };

  /** Applies what has settled, then waits for the oldest commit while more than FIFO_MAX (all, with `all`) wait. */
  const drain = async (all: boolean): Promise<void> => {
    for (;;) {
      const r = applySettled();
      if (r !== undefined) await r;
      if (fifo.length === 0 || (!all && fifo.length <= FIFO_MAX)) return;
      await waitOf(fifo[0]!);
    }
  };

  // Deferred diffs (see the walk below): runs of consecutive commits whose diffs a worker computes, taken back in
  // walk order.
  const diffRuns: Array<{ evs: CommitEvent[]; res: Promise<DiffOutcome[]>; done: boolean }> = [];
  let diffRun: CommitEvent[] = [];
  /**
   * Diffs a run of commits on a worker while it has fewer than OFFLOAD_RUNS runs in hand, else here. The worker also
   * scans the blobs a run brings in that nobody claimed before (claims.ts), so its answer comes back with the
   * commits' scans done: the commits go into the FIFO already settled. On a long history of small commits (the
   * 200k-commit benchmark) the worker matching blobs idled while the walk's diffs kept the main thread busy: sending
   * it runs took the audit from ~40 s to ~30 s.
   * Why runs in hand, not busy time: the share of busy time used before (runs went to the worker while it had been
   * busy less than 80 % of this thread's time) was read from answers this thread took in only when it waited, so the
   * worker got runs in bursts and then idled, and the scans this thread asked for queued behind them: the walk
   * waited ~8 s of ~23 s for scans. A few runs in hand keep the worker fed without a long queue; the walk yields
   * to the event loop once per run (handleEvent) so that `done` is current, and the worker takes scan batches
   * before runs (worker.ts). 200k benchmark, alternating rounds: waits ~8 -> ~2.5 s.
   */
  const sendDiffs = (): void => {
    if (diffRun.length === 0) return;
    const evs = diffRun;
    diffRun = [];
    const jobs = evs.map((e) => e.job!);
    let out = 0;
    for (const r of diffRuns) if (!r.done) out++;
    if (pool.threads > 0 && out < (o.offloadRuns ?? OFFLOAD_RUNS)) {
      const run = { evs, res: pool.diff(repo.objectsDir, jobs, claims !== undefined), done: false };
      // Recorded on arrival, not when takeDiffs reaches the run: commits before it may wait for these blobs.
      void run.res.then(
        (outs) => {
          run.done = true;
          recordRun(evs, outs);
        },
        (e: unknown) => {
          // The pool failed: whatever waits for a run's blobs fails with it (takeDiffs reports the error).
          for (const w of fromRuns.values()) w.reject(e);
          fromRuns.clear();
        },
      );
      diffRuns.push(run);
      return;
    }
    diffRuns.push({ evs, res: Promise.resolve(jobs.map((j) => diffOutcome(trees, j))), done: true });
  };
  /**
   * Enqueues the commits of finished diff runs in walk order; waits for the oldest run only with `all` or when too
   * many are in flight (a run held back would hold back the scanning of its blobs).
   */
  const takeDiffs = async (all: boolean): Promise<void> => {
    while (diffRuns.length > 0 && (all || diffRuns[0]!.done || diffRuns.length > DIFF_RUNS_AHEAD)) {
      const run = diffRuns.shift()!;
      const res = await run.res;
      for (let i = 0; i < run.evs.length; i++) {
        const ev = run.evs[i]!;
        const r = res[i]!;
        ev.diffs = r.diffs;
        for (const e of r.errors) onError(LeakhoundError.fromJSON(e.error), { referencedBy: ev.oid, path: e.path });
        enqueueCommit(ev, false);
        const p = pace();
        if (p !== undefined) await p;
      }
    }
  };
  /** Whether takeDiffs(false) has a run to take. */
  const takeable = (): boolean => diffRuns.length > 0 && (diffRuns[0]!.done || diffRuns.length > DIFF_RUNS_AHEAD);

  /**
   * After each enqueued commit: progress, then a wait only when the workers hold too many bytes or the FIFO is over
   * its bound; undefined otherwise (a promise and two awaits per commit were ~0.3 GB of the main thread's garbage on
   * the 200k-commit benchmark).
   */
  const pace = (): Promise<void> | undefined => {
    if ((stats.commits & 63) === 0) o.onProgress?.({ commits: stats.commits, total: Math.max(walked.seen, stats.commits), blobs: stats.blobs, bytes: stats.bytes, findings: acc.size });
    const ready = pool.ready();
    const applying = applySettled();
    if (ready === undefined && applying === undefined && fifo.length <= FIFO_MAX) return undefined;
    return (async () => {
      await ready;
      await applying;
      await drain(false);
    })();
  };

  /** A walk event: undefined when it needed no wait (most commits), else the wait. */
  const handleEvent = (ev: WalkEvent, unreachable: boolean): Promise<void> | undefined => {
    if (ev.kind === 'commit' && ev.job !== null) {
      diffRun.push(ev);
      if (diffRun.length >= DIFF_RUN) {
        sendDiffs();
        return (async () => {
          // Once per run the walk lets the event loop in: the workers' answers are taken in (runs marked done, scans
          // recorded, more batches sent). Without it they waited until the walk next had to wait, and the worker,
          // its answers unread, ran out of work while this thread diffed (see sendDiffs).
          await new Promise((r) => setImmediate(r));
          await takeDiffs(false);
        })();
      }
      return takeable() ? takeDiffs(false) : undefined;
    }
    if (ev.kind === 'commit') {
      enqueueCommit(ev, unreachable);
      return pace();
    }
    return handleOther(ev, unreachable);
  };

  const handleOther = async (ev: Exclude<WalkEvent, { kind: 'commit' }>, unreachable: boolean): Promise<void> => {
    if (ev.kind === 'tag') {
      if (o.messages !== false && ev.tag.message) {
        stats.messages++;
        // Scanned on a worker and applied in walk order at the next full drain (see applyTagMessages): waiting here
        // would hold the walk until the worker reached it.
        if (pool.mayMatch(ev.tag.message)) tagMessages.push({ tag: ev.tag, unreachable, result: pool.scan({ id: `tag:${ev.oid}`, text: ev.tag.message }) });
      }
    } else {
      // A tag or ref pointing straight at a tree or a blob, or an unreachable blob.
      const entries: Array<{ path: string; oid: string }> =
        ev.kind === 'tree'
          ? ev.changes.flatMap((c) => (c.newOid && isBlob(c) ? [{ path: c.path, oid: c.newOid }] : []))
          : [{ path: unreachable ? `<unreachable blob ${ev.oid.slice(0, 12)}>` : `<blob ${ev.oid.slice(0, 12)} via ${ev.via.join(', ') || 'ref'}>`, oid: ev.oid }];
      if (ev.kind === 'blob' && unreachable) stats.unreachableBlobs++;
      // Keyed by this tree/blob's oid: a ref (or tag chain) that peels to it holds these secrets at its tip.
      const holders = unreachable ? [] : [ev.oid];
      for (const e of entries) {
        const list = await secretsOf(e.oid, e.path);
        for (const bs of list) {
          for (const h of holders) {
            const set = directKeys.get(h) ?? new Set<string>();
            set.add(bs.key);
            directKeys.set(h, set);
          }
          const f = accFor(bs);
          if (!unreachable) f.reachable = true;
          const occKey = `${e.path}\0${e.oid}\0${bs.m.start}`;
          if (f.occSeen.has(occKey)) continue;
          f.occSeen.add(occKey);
          f.occurrences.push({ path: e.path, line: bs.m.line, column: bs.m.column, endLine: bs.m.endLine, endColumn: bs.m.endColumn, blob: e.oid });
        }
      }
    }
  };

  /** Tag messages that hold a keyword, in walk order, until applyTagMessages. */
  const tagMessages: Array<{ tag: Extract<WalkEvent, { kind: 'tag' }>['tag']; unreachable: boolean; result: Promise<UnitResult> }> = [];
  const applyTagMessages = async (): Promise<void> => {
    for (const { tag: t, unreachable, result } of tagMessages.splice(0)) {
      for (const m of (await result).matches) {
        const f = accFor({ key: keyOf(m), m });
        if (!unreachable) f.reachable = true;
        f.occurrences.push({ path: '<tag message>', line: m.line, column: m.column, endLine: m.endLine, endColumn: m.endColumn, ...(t.tagger ? { author: t.tagger.name, email: t.tagger.email, date: t.tagger.date } : {}) });
      }
    }
  };

  // Which tips still hold each secret: the counts of each tip commit.
  const tipsBySecret = new Map<string, string[]>();
  const tipMap: Record<string, string> = {};
  try {
    // Without --unreachable (whose reached set the diffs fill), past DEFER_AFTER commits the walk leaves its tree
    // diffs to sendDiffs, which runs them here or on a worker less busy than this thread.
    const walk = walkHistory(store, { tips: refs.map((r) => r.oid), exclude: excludeOids, shallow: repo.shallow, trees, onError, counter: walked, ...(reached ? { reached } : { deferDiffs: () => pool.threads > 0 && stats.commits >= (o.deferDiffsAfter ?? DEFER_AFTER) }) });
    for (const ev of walk) {
      const p = handleEvent(ev, false);
      if (p !== undefined) await p;
    }
    sendDiffs();
    await takeDiffs(true);
    await drain(true);
    await applyTagMessages();
    for (const r of refs) {
      tipMap[r.name] = r.oid;
      const tipCommit = peelToCommit(store, r.oid);
      let c = counts.get(tipCommit) ?? EMPTY_COUNTS;
      if (o.completeTips && !counts.has(tipCommit) && isCommit(store, tipCommit)) c = await boundaryCounts(tipCommit);
      // A ref or tag that names a tree or a blob (peelToCommit stops there) holds that object's secrets.
      const keys = new Set<string>([...c.keys(), ...(directKeys.get(tipCommit) ?? [])]);
      // A stash entry also holds its index and untracked-files commits (parents 2 and 3): `git stash pop` restores them.
      if (r.name === 'refs/stash' || r.name.startsWith('refs/stash@{')) {
        for (const p of stashSideParents(store, tipCommit)) for (const k of (counts.get(p) ?? EMPTY_COUNTS).keys()) keys.add(k);
      }
      for (const key of keys) {
        if (o.completeTips && !acc.has(key) && sample.has(key)) accFor(sample.get(key)!).reachable = true;
        const list = tipsBySecret.get(key) ?? [];
        list.push(r.name);
        tipsBySecret.set(key, list);
      }
    }
    if (reached) {
      for (const ev of walkUnreachable(store, { reached, trees, shallow: repo.shallow, onError })) {
        const p = handleEvent(ev, true);
        if (p !== undefined) await p;
      }
      await drain(true);
      await applyTagMessages();
    }
  } finally {
    await pool.close();
    closeStore(store);
  }

  const findings: Finding[] = [];
  for (const f of acc.values()) {
    const atTips = tipsBySecret.get(f.key) ?? [];
    const status: FindingStatus = atTips.length ? 'present' : f.reachable ? 'history-only' : 'unreachable';
    const finding: Finding = { ...newFinding(f.key, f.ruleId, f.secret, f.entropy, rules.get(f.ruleId)), occurrences: f.occurrences, introducedIn: f.introducedIn, removedIn: f.removedIn, atTips, status };
    if (Object.keys(f.groups).length) finding.groups = f.groups;
    findings.push(finding);
  }
  findings.sort((a, b) => (a.occurrences[0]?.date ?? '').localeCompare(b.occurrences[0]?.date ?? '') || (a.fingerprint < b.fingerprint ? -1 : 1));
  stats.submodules = gitlinks.size;
  stats.symlinks = symlinks.size;
  stats.ms = Math.round(performance.now() - t0);
  // Errors come from the walk (as it diffs) and from scans (as results arrive, from either thread): their order
  // depended on timing. Sorted by message, which names the object first, the report is the same run after run.
  errors.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { findings, stats, errors, shallow: repo.shallow.length > 0, tips: tipMap, scannedRefs: refs.map((r) => r.name) };
}

/**
 * A quarter of the memory this process may use, at most 2 GiB: the packs of all but very large repositories. In a
 * container, os.totalmem() is the host's memory; the cgroup limit (process.constrainedMemory) is what counts.
 */
function defaultPackMemory(): number {
  const limit = process.constrainedMemory?.() ?? 0;
  const mem = limit > 0 ? Math.min(limit, totalmem()) : totalmem();
  return Math.min(2 * 1024 ** 3, Math.floor(mem / 4));
}

/** A cheap stable hash of a path (FNV-1a), for worker affinity. */
function hashPath(p: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** What a ref ends at after its annotated tags (the git layer's peel); an unreadable chain keeps the ref's own oid. */
function peelToCommit(store: ObjectStore, oid: string): string {
  try {
    return peel(store, oid).oid;
  } catch {
    return oid;
  }
}

/** The index and untracked-files commits of a stash entry (its parents after the first). */
function stashSideParents(store: ObjectStore, oid: string): string[] {
  try {
    return parseCommit(store.readAs(oid, 'commit'), oid).parents.slice(1);
  } catch {
    return [];
  }
}

function isCommit(store: ObjectStore, oid: string): boolean {
  try {
    return store.readHeader(oid).type === 'commit';
  } catch {
    return false;
  }
}

function closeStore(store: ObjectStore): void {
  try {
    store.close();
  } catch {
    /* closing is best effort */
  }
}
