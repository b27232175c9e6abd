// A worker_threads pool around the matcher: batching, back-pressure, serialised errors.
// Owns: spreading units over threads so matching overlaps with reading on the main thread.
// May import: types, errors, matcher, ./protocol, node:worker_threads, node:os.
//
// Units are batched (by count and bytes) so that message overhead stays small next to matching; `scan` resolves
// when its unit's result is back, and `drain`/back-pressure keep at most `maxInFlightBytes` queued, so a reader
// that awaits `scan` never outruns the matcher by more than that.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LeakhoundError } from '../errors/index.js';
import { seededEntries } from '../matcher/regex/verdicts.js';
import type { SharedPack } from '../sources/git/pack.js';
import type { GlobalAllowlist, RuleSpec, ScanUnit, UnitResult } from '../types/index.js';
import type { DiffOutcome, FromWorker, ToWorker, WorkerInit } from './protocol.js';
import type { DiffJob } from '../sources/git/walk.js';
import { keywordPrefilter } from '../matcher/index.js';
import { type UnitScanner, scannerFor } from './read-unit.js';
import type { OidClaims } from './claims.js';

export interface PoolOptions {
  /** Worker threads; 0 runs in this thread (the same matcher, no workers). Default: available cores. */
  threads?: number;
  batchUnits?: number;
  batchBytes?: number;
  maxInFlightBytes?: number;
}

interface Pending {
  resolve: (r: UnitResult) => void;
  reject: (e: Error) => void;
  bytes: number;
}

interface Slot {
  worker: Worker;
  busy: number;
  queue: ScanUnit[];
  queueBytes: number;
  exited: boolean;
}

export interface ScanPool {
  scan(unit: ScanUnit): Promise<UnitResult>;
  /**
   * Resolves once queued bytes are under the limit; await it before reading more. Undefined when they are under it
   * already (an audit asks after every commit: a promise and an await each time were garbage and microtasks).
   */
  ready(): Promise<void> | undefined;
  /**
   * Hands packs loaded whole after the pool started to its workers (the audit starts the pool first, so that the
   * workers boot while the main thread lists refs and reads the packs). Units sent afterwards read from them.
   * `fill`: the packs are shared unfilled (ObjectStore.loadPacks fillElsewhere) and the first worker reads them in,
   * while the main thread starts its walk; only for a pool with workers.
   */
  sharePacks(packs: SharedPack[], fill?: boolean): void;
  /**
   * Whether a text could hold a match (Matcher.mayMatch), asked in this thread: only the keyword prefilter runs here.
   * For many small texts (commit and tag messages), of which few pass: a worker round trip per message (a promise,
   * a structured clone each way) was the main thread's bookkeeping for 200,000 messages on the 200k-commit benchmark,
   * and matching them all here cost express ~0.2 s of the main thread (a second isolate compiling the matcher and
   * RE2 programs for a few hundred messages; 386 of express's 11,468 messages contain a keyword).
   */
  mayMatch(text: string): boolean;
  /**
   * Tree diffs of a run of consecutive commits (WalkOptions.deferDiffs), on a worker: on a long history the walk's
   * diffs were most of the main thread's time while the worker matching blobs idled. Results come back in the order
   * the runs were sent.
   */
  diff(objectsDir: string, jobs: DiffJob[], scan?: boolean): Promise<DiffOutcome[]>;
  /**
   * Shares a claim table (claims.ts) with the workers: diff runs sent with `scan` then also scan the blobs their
   * diffs bring in that the worker claims first (DiffOutcome.scans). Before any such run.
   */
  shareClaims(claims: OidClaims): void;
  close(): Promise<void>;
  readonly threads: number;
}

/** What a unit weighs for batching and back-pressure; a blob read by the worker counts as a typical 16 KiB blob. */
function unitBytes(u: ScanUnit): number {
  return u.bytes ? u.bytes.length : u.text !== undefined ? u.text.length : 16 * 1024;
}

function workerUrl(): { url: URL; argv: string[] } {
  const here = import.meta.url;
  // Under the test runner the sources are TypeScript; the test setup builds dist/ first, and worker threads run
  // that build of the same sources (Node 20 workers cannot load .ts files).
  if (here.endsWith('.ts')) return { url: new URL('../../dist/src/workers/worker.js', here), argv: [] };
  // In the bundled CLI (dist/leakhound-core.cjs) the worker is bundled too (dist/leakhound-worker.cjs), run by the
  // same loader with V8's code cache (scripts/bundle.mjs).
  if (here.endsWith('.cjs')) return { url: new URL('./leakhound.cjs', here), argv: ['--leakhound-worker'] };
  return { url: new URL('./worker.js', here), argv: [] };
}

class InThreadPool implements ScanPool {
  readonly threads = 0;
  constructor(
    private readonly scanner: UnitScanner,
    readonly mayMatch: (text: string) => boolean,
  ) {}
  scan(unit: ScanUnit): Promise<UnitResult> {
    try {
      return Promise.resolve(this.scanner.scan(unit));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  ready(): undefined {
    return undefined;
  }
  sharePacks(): void {
    // Same thread: the store that loaded the packs registered them for this thread's readers already.
  }
  shareClaims(claims: OidClaims): void {
    this.scanner.claims = claims;
  }
  diff(objectsDir: string, jobs: DiffJob[], scan = false): Promise<DiffOutcome[]> {
    try {
      return Promise.resolve(jobs.map((j) => this.scanner.diff(objectsDir, j, scan)));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  close(): Promise<void> {
    this.scanner.close();
    return Promise.resolve();
  }
}

/**
 * Batches a worker may hold (sent, results not yet read). The main thread reads results, and so sends more, only
 * when it awaits; an audit's walk runs for long stretches without, and with two batches in hand (128 blobs, a few
 * milliseconds of work) the worker sat idle until the walk next waited: on express the worker was busy 1.9 s of
 * the 2.5 s it had work. Eight keep it fed (express 3.12 -> 2.96 s over 7 alternating rounds); the bytes in flight
 * stay bounded by maxInFlightBytes.
 */
const BATCHES_IN_FLIGHT = 8;

class WorkerPool implements ScanPool {
  readonly threads: number;
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<string, Pending[]>();
  private readonly batches = new Map<number, { slot: Slot; units: ScanUnit[] }>();
  private inFlightBytes = 0;
  private nextId = 1;
  private waiters: Array<() => void> = [];
  private failed: Error | undefined;
  private flushTimer: NodeJS.Immediate | undefined;
  private readonly batchUnits: number;
  private readonly batchBytes: number;
  private readonly maxInFlight: number;
  /** Units a worker took from another's queue, and batches sent (see pump). */
  stolen = 0;
  sent = 0;

  /** Diff runs in flight, by message id. */
  private readonly diffs = new Map<number, { resolve: (r: DiffOutcome[]) => void; reject: (e: Error) => void }>();

  constructor(
    init: WorkerInit,
    threads: number,
    o: PoolOptions,
    readonly mayMatch: (text: string) => boolean,
  ) {
    this.threads = threads;
    this.batchUnits = o.batchUnits ?? 64;
    this.batchBytes = o.batchBytes ?? 1 << 20;
    this.maxInFlight = o.maxInFlightBytes ?? 64 << 20;
    const { url, argv } = workerUrl();
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(url, { workerData: init, argv });
      const slot: Slot = { worker, busy: 0, queue: [], queueBytes: 0, exited: false };
      worker.once('exit', () => (slot.exited = true));
      worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
      worker.on('error', (e) => this.fail(new LeakhoundError('E_WORKER', `matcher worker failed: ${e.message}`)));
      this.slots.push(slot);
    }
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') return;
    const run = this.diffs.get(m.id);
    if (run !== undefined) {
      this.diffs.delete(m.id);
      if (m.type === 'diffs') run.resolve(m.results);
      else if (m.type === 'error') this.fail(new LeakhoundError('E_WORKER', m.error.message, { code: m.error.code }));
      return;
    }
    if (m.type === 'diffs') return;
    const batch = this.batches.get(m.id);
    if (!batch) return;
    this.batches.delete(m.id);
    slot.busy--;
    if (m.type === 'error') {
      this.fail(new LeakhoundError('E_WORKER', m.error.message, { code: m.error.code }));
      return;
    }
    for (const r of m.results) {
      const list = this.pending.get(r.unitId);
      const p = list?.shift();
      if (list && list.length === 0) this.pending.delete(r.unitId);
      if (p) {
        this.inFlightBytes -= p.bytes;
        p.resolve(r);
      }
    }
    this.pump(slot);
    this.wake();
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    for (const list of this.pending.values()) for (const p of list) p.reject(e);
    this.pending.clear();
    for (const d of this.diffs.values()) d.reject(e);
    this.diffs.clear();
    this.wake();
  }

  private wake(): void {
    if (this.inFlightBytes <= this.maxInFlight || this.failed) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  /**
   * Sends batches from a slot's queue while it has fewer than BATCHES_IN_FLIGHT in hand. A worker whose own queue is empty
   * takes units from the back of the longest other queue: units of one path go to one worker for its delta cache
   * (affinity), but paths differ wildly in volume (on expressjs/express the two workers' shares of blob bytes were
   * 156 MB and 56 MB), and the one left idle is better used on another's backlog than waiting.
   */
  private pump(slot: Slot): void {
    while (slot.busy < BATCHES_IN_FLIGHT) {
      let src = slot;
      if (slot.queue.length === 0) {
        let victim: Slot | undefined;
        for (const s of this.slots) if (s !== slot && s.queue.length > 0 && (victim === undefined || s.queue.length > victim.queue.length)) victim = s;
        if (victim === undefined) break;
        src = victim;
      }
      const q = src.queue;
      let n = 0;
      let bytes = 0;
      // From the front of its own queue; from the back of another's (the owner reaches its front soonest).
      if (src === slot) while (n < q.length && n < this.batchUnits && bytes < this.batchBytes) bytes += unitBytes(q[n++]!);
      else while (n < q.length && n < this.batchUnits && bytes < this.batchBytes) bytes += unitBytes(q[q.length - 1 - n++]!);
      const units = src === slot ? q.splice(0, n) : q.splice(q.length - n, n);
      if (src !== slot) this.stolen += n;
      src.queueBytes -= bytes;
      const id = this.nextId++;
      this.batches.set(id, { slot, units });
      slot.busy++;
      this.sent++;
      const transfer = units.flatMap((u) => (u.bytes && u.bytes.byteOffset === 0 && u.bytes.byteLength === u.bytes.buffer.byteLength && u.bytes.buffer instanceof ArrayBuffer ? [u.bytes.buffer] : []));
      slot.worker.postMessage({ type: 'batch', id, units } satisfies ToWorker, transfer);
    }
  }

  private pumpAll(): void {
    for (const s of this.slots) this.pump(s);
  }

  /** The slot for a unit: by affinity when it has one, else the least loaded. */
  private slotFor(unit: ScanUnit): Slot {
    if (unit.affinity !== undefined) return this.slots[Math.abs(unit.affinity) % this.slots.length]!;
    return this.slots.reduce((a, b) => (b.queue.length + b.busy * this.batchUnits < a.queue.length + a.busy * this.batchUnits ? b : a));
  }

  scan(unit: ScanUnit): Promise<UnitResult> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<UnitResult>((resolve, reject) => {
      const bytes = unitBytes(unit);
      const list = this.pending.get(unit.id);
      const p = { resolve, reject, bytes };
      if (list) list.push(p);
      else this.pending.set(unit.id, [p]);
      this.inFlightBytes += bytes;
      const slot = this.slotFor(unit);
      slot.queue.push(unit);
      slot.queueBytes += bytes;
      if (slot.queue.length >= this.batchUnits || slot.queueBytes >= this.batchBytes) this.pump(slot);
      else
        this.flushTimer ??= setImmediate(() => {
          this.flushTimer = undefined;
          this.pumpAll();
        });
    });
  }

  ready(): Promise<void> | undefined {
    if (this.failed) return Promise.reject(this.failed);
    if (this.inFlightBytes <= this.maxInFlight) return undefined;
    return new Promise((resolve, reject) => this.waiters.push(() => (this.failed ? reject(this.failed) : resolve())));
  }

  diff(objectsDir: string, jobs: DiffJob[], scan = false): Promise<DiffOutcome[]> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.diffs.set(id, { resolve, reject });
      // One worker for every run: consecutive commits share most trees, and its tree cache serves them.
      this.slots[0]!.worker.postMessage({ type: 'diff', id, objectsDir, jobs, scan } satisfies ToWorker);
    });
  }

  shareClaims(claims: OidClaims): void {
    for (const s of this.slots) s.worker.postMessage({ type: 'claims', buffer: claims.buffer } satisfies ToWorker);
  }

  sharePacks(packs: SharedPack[], fill = false): void {
    if (packs.length === 0) return;
    this.slots.forEach((s, i) => s.worker.postMessage({ type: 'packs', packs, fill: fill && i === 0 } satisfies ToWorker));
  }

  async close(): Promise<void> {
    // Asked to exit rather than terminated: a worker of the bundled CLI writes its code cache on the way out (the
    // first run after an install or upgrade). One that does not exit promptly (busy, or stuck) is terminated.
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.exited) return resolve();
            const timer = setTimeout(() => void s.worker.terminate(), 2000);
            s.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            s.worker.postMessage({ type: 'close' } satisfies ToWorker);
          }),
      ),
    );
  }
}

export interface CreatePoolInput {
  rules: RuleSpec[];
  allow?: GlobalAllowlist;
  prefilter?: boolean;
  inlineAllow?: boolean;
  maxBytes?: number;
}

/** Creates a pool; with threads = 0 (or 1 core) the matcher runs in this thread. */
export function createPool(input: CreatePoolInput, o: PoolOptions = {}): ScanPool {
  const threads = o.threads ?? Math.max(1, availableParallelism());
  const settings: Omit<WorkerInit, 'verdicts'> = { rules: input.rules, prefilter: input.prefilter ?? true, inlineAllow: input.inlineAllow ?? true };
  if (input.allow) settings.allow = input.allow;
  if (input.maxBytes !== undefined) settings.maxBytes = input.maxBytes;
  // The prefilter is built on first use (the keyword automaton of every rule): most pools never ask.
  let prefilter: ((text: string) => boolean) | undefined;
  const mayMatch = (text: string): boolean => (prefilter ??= keywordPrefilter(input.rules, settings.prefilter))(text);
  if (threads <= 0) return new InThreadPool(scannerFor(settings), mayMatch);
  return new WorkerPool({ ...settings, verdicts: seededEntries() }, threads, o, mayMatch);
}
