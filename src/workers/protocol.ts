// Messages between the pool and its workers: plain, structured-clone-safe data.
// May import: types, matcher (types only), sources/git (types only).
import type { StoredVerdict } from '../matcher/regex/verdicts.js';
import type { SharedPack } from '../sources/git/pack.js';
import type { DiffJob, ParentDiff } from '../sources/git/walk.js';
import type { ErrorData, GlobalAllowlist, RuleSpec, ScanUnit, UnitResult } from '../types/index.js';

export interface WorkerInit {
  rules: RuleSpec[];
  allow?: GlobalAllowlist;
  prefilter: boolean;
  inlineAllow: boolean;
  maxBytes?: number;
  /** Safety verdicts from the built-in rules cache (see matcher/regex/verdicts.ts), so workers do not re-prove them. */
  verdicts?: Record<string, StoredVerdict>;
}

export type ToWorker =
  | { type: 'batch'; id: number; units: ScanUnit[] }
  /** Packs the main thread holds whole in shared memory: the workers read blobs from the same bytes (sent before
   *  any batch that reads from them). `fill`: this worker reads them into that memory first (fillShared). */
  | { type: 'packs'; packs: SharedPack[]; fill?: boolean }
  /** Tree diffs of consecutive commits of a history walk (the audit moves them off the main thread). `scan`: also
   *  scan the blobs they bring in that this worker claims first (see claims.ts), results in DiffOutcome.scans. */
  | { type: 'diff'; id: number; objectsDir: string; jobs: DiffJob[]; scan: boolean }
  /** The audit's claim table (claims.ts), shared before any diff run that scans. */
  | { type: 'claims'; buffer: SharedArrayBuffer }
  /** The pool is closing: finish (write the bundle's code cache if the loader asks for it) and exit. */
  | { type: 'close' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; results: UnitResult[] }
  | { type: 'diffs'; id: number; results: DiffOutcome[] }
  | { type: 'error'; id: number; error: ErrorData };

/** One commit's diffs, computed by a worker, with the objects it could not read (the walk's onError, as data). */
export interface DiffOutcome {
  diffs: ParentDiff[];
  errors: Array<{ error: ErrorData; path: string }>;
  /** With `scan`: the blobs of these diffs this worker claimed, scanned (unitId: the blob's id). */
  scans?: UnitResult[];
}
