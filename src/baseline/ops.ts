// Operations on a baseline value: merge a run's findings, classify findings for `--baseline` suppression, status,
// triage changes, prune, fingerprint lookup. All pure (no IO; inputs are not mutated; `now` is a parameter), except
// that hashing low-entropy secrets is slow (see identity.ts; warm the cache with `prepareIdentities`).
// May import: types, errors, ./format, ./identity, node:crypto (SHA-1 for foreign hints).
//
// Policy decisions (documented in FORMAT.md too):
// - Known `open` entries do NOT fail a run by default: adopting leakhound on a repository with old leaks means
//   `baseline create` then CI passes until something new appears (ARCHITECTURE §5 "reports only new findings").
//   `requireTriage: true` makes untriaged (open) entries fail too.
// - `accepted` past `expires` fails again (class `accepted-expired`). A date-only expiry `YYYY-MM-DD` is valid
//   through that UTC day.
// - `rotated` is suppressed (the secret stays in history; that is expected), except a regression
//   (`rotated-regression`, fails): a commit dated after the rotation introduces the secret again, or a verification
//   in this run says the secret is valid. It stays a regression until someone re-triages the entry.
// - `false-positive` is always suppressed.
import { createHash } from 'node:crypto';
import { LeakhoundError } from '../errors/index.js';
import type { Finding, FindingStatus, Occurrence, VerificationResult } from '../types/index.js';
import {
  DEFAULT_MAX_OCCURRENCES,
  cmp,
  type Baseline,
  type BaselineEntry,
  type BaselineOccurrence,
  type BaselineVerification,
  type ScannedValue,
  type Triage,
  type TriageState,
} from './format.js';
import { hashSecret, keyFor } from './identity.js';

export type FindingClass =
  | 'new'
  | 'known-open'
  | 'accepted'
  | 'accepted-expired'
  | 'false-positive'
  | 'rotated'
  | 'rotated-regression';

export const FINDING_CLASSES: readonly FindingClass[] = [
  'new',
  'known-open',
  'accepted',
  'accepted-expired',
  'false-positive',
  'rotated',
  'rotated-regression',
];

export interface ClassifiedFinding {
  /** Baseline key of the finding (what the user types to `accept` it). */
  key: string;
  finding: Finding;
  class: FindingClass;
  /** Whether this finding fails the run. */
  fails: boolean;
  /** One line for the report, e.g. `accepted by alice: test fixture (expires 2026-01-31)`. Never the secret. */
  reason: string;
}

export interface Classification {
  items: ClassifiedFinding[];
  failing: ClassifiedFinding[];
  suppressed: { total: number; byClass: Record<FindingClass, number> };
  counts: Record<FindingClass, number>;
}

export interface ClassifyOptions {
  /** Make known `open` (untriaged) entries fail too. Default false. */
  requireTriage?: boolean;
}

type Now = Date | string;
const iso = (now: Now): string => (typeof now === 'string' ? new Date(now) : now).toISOString();
const ms = (now: Now): number => (typeof now === 'string' ? Date.parse(now) : now.getTime());

/** The instant an `expires` value stops being valid (date-only: the end of that UTC day). */
export function expiryInstant(expires: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(expires) ? Date.parse(`${expires}T00:00:00Z`) + 86_400_000 : Date.parse(expires);
}

export function isExpired(t: Triage, now: Now): boolean {
  return t.state === 'accepted' && t.expires !== undefined && ms(now) >= expiryInstant(t.expires);
}

function classifyOne(
  entry: BaselineEntry | undefined,
  f: Finding,
  now: Now,
  opts: ClassifyOptions,
): { class: FindingClass; fails: boolean; reason: string } {
  if (!entry) return { class: 'new', fails: true, reason: 'not in the baseline' };
  const t = entry.triage;
  switch (t.state) {
    case 'open':
      return {
        class: 'known-open',
        fails: opts.requireTriage === true,
        reason: 'known in the baseline, not triaged yet',
      };
    case 'accepted': {
      const exp = t.expires !== undefined ? ` (expires ${t.expires})` : '';
      if (isExpired(t, now))
        return { class: 'accepted-expired', fails: true, reason: `acceptance by ${t.by} expired on ${t.expires}: ${t.reason}` };
      return { class: 'accepted', fails: false, reason: `accepted by ${t.by}: ${t.reason}${exp}` };
    }
    case 'false-positive':
      return { class: 'false-positive', fails: false, reason: `false positive (${t.by}): ${t.reason}` };
    case 'rotated': {
      const rotatedAt = Date.parse(t.at);
      const later = f.introducedIn.find((c) => Date.parse(c.date) > rotatedAt);
      if (later)
        return {
          class: 'rotated-regression',
          fails: true,
          reason: `rotated on ${t.at} but introduced again by commit ${later.commit.slice(0, 12)} (${later.date})`,
        };
      if (f.verification?.status === 'valid')
        return {
          class: 'rotated-regression',
          fails: true,
          reason: `marked rotated on ${t.at} but verified valid on ${f.verification.checkedAt}`,
        };
      return { class: 'rotated', fails: false, reason: `rotated on ${t.at}` };
    }
  }
}

/** Find the entry of an identity, if any. */
function entryOf(b: Baseline, ruleId: string, secret: string): { key: string; entry: BaselineEntry | undefined } {
  const { hash } = hashSecret(b, secret);
  const key = keyFor(b.entries, ruleId, hash);
  return { key, entry: b.entries[key] };
}

function emptyCounts(): Record<FindingClass, number> {
  return Object.fromEntries(FINDING_CLASSES.map((c) => [c, 0])) as Record<FindingClass, number>;
}

function summarise(items: ClassifiedFinding[]): Classification {
  const counts = emptyCounts();
  const byClass = emptyCounts();
  let total = 0;
  for (const it of items) {
    counts[it.class]++;
    if (!it.fails && it.class !== 'new') {
      byClass[it.class]++;
      total++;
    }
  }
  return { items, failing: items.filter((i) => i.fails), suppressed: { total, byClass }, counts };
}

/**
 * Classify a run's findings against a baseline (for `audit/scan/protect/ci --baseline`). Does not change the
 * baseline. `failing` are the findings that fail the run; `suppressed` says how many were let through and why.
 */
export function classify(b: Baseline, findings: readonly Finding[], now: Now, opts: ClassifyOptions = {}): Classification {
  return summarise(
    findings.map((f) => {
      const { key, entry } = entryOf(b, f.ruleId, f.secret);
      return { key, finding: f, ...classifyOne(entry, f, now, opts) };
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// merge

/** A triage decision imported from another tool, applied by `merge` to the finding it matches (see import.ts). */
export interface TriageHint {
  source: 'gitleaks-report' | 'gitleaksignore' | 'detect-secrets';
  /** Where it came from, e.g. `.secrets.baseline:results/config.py/0` or `.gitleaksignore:12`. */
  origin: string;
  /** SHA-1 (hex) of the secret: detect-secrets' `hashed_secret`, or computed at import from a gitleaks `Secret`. */
  sha1?: string;
  /** Position (when no secret is known): matches a finding with an occurrence at this path (+line, +commit). */
  position?: { path: string; line?: number; commit?: string };
  /** The other tool's rule/type name, for the report only (rule names differ between tools). */
  foreignRule?: string;
  triage:
    | { state: 'open' }
    | { state: 'accepted'; reason: string; by: string; at?: string; expires?: string }
    | { state: 'false-positive'; reason: string; by: string; at?: string };
}

export type MergeScope = 'full' | 'incremental' | 'partial';

export interface MergeOptions {
  now: Now;
  /**
   * What the findings cover. `full`: everything (a complete audit): metadata is replaced and entries not found are
   * marked `found: false`. `incremental`: new commits since `seenTips`: metadata is added to (occurrences and commit
   * lists are unions), status taken from the run, absent entries untouched. `partial` (staged, files, a path): new
   * entries are added, known ones get occurrences added; status and `found` of absent entries untouched.
   */
  scope: MergeScope;
  /** Ref tips the run covered; replaces `seenTips` when given. */
  tips?: Record<string, string>;
  /** Replaces `scanned` when given. */
  scanned?: Record<string, ScannedValue>;
  /** Cap of stored occurrences per entry (default 20). */
  maxOccurrences?: number;
  /** Imported triage decisions (from `importForeign`). */
  hints?: readonly TriageHint[];
  requireTriage?: boolean;
}

export interface HintOutcome {
  hint: TriageHint;
  key: string;
  /** `set`: the entry took the hint's triage; `kept`: the entry already had a triage decision, left as is. */
  result: 'set' | 'kept';
}

export interface MergeResult {
  baseline: Baseline;
  /** The run's findings classified against the baseline as it was before the merge. */
  classification: Classification;
  added: string[];
  /** Known entries whose metadata or triage changed. */
  updated: string[];
  /** Full scope only: entries this run did not find (now `found: false`). */
  notFound: string[];
  hints: { applied: HintOutcome[]; unmatched: TriageHint[] };
}

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

function toOcc(o: Occurrence): BaselineOccurrence {
  return o.commit !== undefined && OID.test(o.commit)
    ? { path: o.path, line: o.line, commit: o.commit }
    : { path: o.path, line: o.line };
}
const occId = (o: BaselineOccurrence): string => `${o.path}\0${o.line}\0${o.commit ?? ''}`;
const occCmp = (a: BaselineOccurrence, b: BaselineOccurrence): number =>
  cmp(a.path, b.path) || a.line - b.line || cmp(a.commit ?? '', b.commit ?? '');

/** Keep at most `cap` occurrences, preferring those whose commit introduced the secret; output sorted. */
function capOccurrences(occs: BaselineOccurrence[], introduced: Set<string>, cap: number): BaselineOccurrence[] {
  const prio = (o: BaselineOccurrence): number => (o.commit !== undefined && introduced.has(o.commit) ? 0 : 1);
  return [...occs]
    .sort((a, b) => prio(a) - prio(b) || occCmp(a, b))
    .slice(0, cap)
    .sort(occCmp);
}

const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort(cmp);
const commits = (refs: Finding['introducedIn']): string[] => refs.map((c) => c.commit).filter((c) => OID.test(c));

export function toBaselineVerification(v: VerificationResult): BaselineVerification {
  const out: BaselineVerification = { status: v.status, checkedAt: v.checkedAt };
  if (v.detail) out.detail = v.detail;
  if (v.facts && Object.keys(v.facts).length > 0) out.facts = { ...v.facts };
  return out;
}

function sha1(s: string): string {
  return createHash('sha1').update(s, 'utf8').digest('hex');
}

function hintMatches(h: TriageHint, f: Finding, sha1Of: () => string): boolean {
  if (h.sha1 !== undefined) return h.sha1 === sha1Of();
  const p = h.position;
  if (!p) return false;
  const path = p.path.replace(/\\/g, '/');
  return f.occurrences.some(
    (o) =>
      o.path === path &&
      (p.line === undefined || o.line === p.line) &&
      (p.commit === undefined || (o.commit !== undefined && o.commit.startsWith(p.commit))),
  );
}

const RANK: Record<TriageHint['triage']['state'], number> = { 'false-positive': 2, accepted: 1, open: 0 };

function hintTriage(h: TriageHint, now: Now): Triage {
  const t = h.triage;
  if (t.state === 'open') return { state: 'open' };
  if (t.state === 'false-positive') return { state: 'false-positive', reason: t.reason, by: t.by, at: t.at ?? iso(now) };
  const out: Triage = { state: 'accepted', reason: t.reason, by: t.by, at: t.at ?? iso(now) };
  if (t.expires !== undefined) out.expires = t.expires;
  return out;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Fold a run's findings into the baseline. Returns a new baseline (the input is not changed), the classification
 * of each finding against the old baseline, and what changed. Identity never depends on metadata, so re-running on
 * unchanged input yields an identical baseline (and identical bytes from `serialize`).
 */
export function merge(b: Baseline, findings: readonly Finding[], opts: MergeOptions): MergeResult {
  const cap = opts.maxOccurrences ?? DEFAULT_MAX_OCCURRENCES;
  const out: Baseline = structuredClone(b);
  const items: ClassifiedFinding[] = [];
  const added: string[] = [];
  const updated = new Set<string>();
  const foundKeys = new Set<string>();
  const hintHits = new Map<TriageHint, HintOutcome[]>();
  const hints = opts.hints ?? [];

  // Group findings of the same identity (a well-behaved scanner sends one per (rule, secret)).
  const groups = new Map<string, { key: string; hash: string; alg: BaselineEntry['alg']; fs: Finding[] }>();
  for (const f of findings) {
    const { hash, alg } = hashSecret(b, f.secret);
    const id = `${f.ruleId}\0${hash}`;
    let g = groups.get(id);
    if (!g) {
      g = { key: keyFor(out.entries, f.ruleId, hash), hash, alg, fs: [] };
      groups.set(id, g);
      // reserve the key so a later new secret that collides on 16 hex gets a longer one
      if (!out.entries[g.key]) out.entries[g.key] = placeholder(f.ruleId, hash, alg);
    }
    g.fs.push(f);
  }
  for (const [, g] of groups) if (!b.entries[g.key]) delete out.entries[g.key];

  for (const { key, hash, alg, fs } of groups.values()) {
    const old = b.entries[key];
    for (const f of fs) items.push({ key, finding: f, ...classifyOne(old, f, opts.now, opts) });
    foundKeys.add(key);
    const ruleId = fs[0]!.ruleId;

    const runOccs = new Map<string, BaselineOccurrence>();
    for (const f of fs) for (const o of f.occurrences) runOccs.set(occId(toOcc(o)), toOcc(o));
    const runIntroduced = fs.flatMap((f) => commits(f.introducedIn));
    const runRemoved = fs.flatMap((f) => commits(f.removedIn));
    const runTips = fs.flatMap((f) => f.atTips);
    const status: FindingStatus = worstStatus(fs.map((f) => f.status));
    const verification = fs.map((f) => f.verification).find((v) => v !== undefined);

    let e: BaselineEntry;
    if (!old) {
      const introducedIn = sortedUnique(runIntroduced);
      e = {
        ruleId,
        hash,
        alg,
        triage: { state: 'open' },
        status,
        found: true,
        occurrenceCount: runOccs.size,
        occurrences: capOccurrences([...runOccs.values()], new Set(introducedIn), cap),
        introducedIn,
        removedIn: sortedUnique(runRemoved),
        atTips: sortedUnique(runTips),
      };
      if (verification) e.verification = toBaselineVerification(verification);
      added.push(key);
    } else {
      e = structuredClone(old);
      if (opts.scope === 'full') {
        e.introducedIn = sortedUnique(runIntroduced);
        e.removedIn = sortedUnique(runRemoved);
        e.atTips = sortedUnique(runTips);
        e.status = status;
        e.occurrenceCount = runOccs.size;
        e.occurrences = capOccurrences([...runOccs.values()], new Set(e.introducedIn), cap);
      } else {
        e.introducedIn = sortedUnique([...old.introducedIn, ...runIntroduced]);
        e.removedIn = sortedUnique([...old.removedIn, ...runRemoved]);
        e.atTips = sortedUnique([...old.atTips, ...runTips]);
        if (opts.scope === 'incremental') e.status = status;
        const stored = new Set(old.occurrences.map(occId));
        const fresh = [...runOccs.values()].filter((o) => !stored.has(occId(o)));
        e.occurrenceCount = old.occurrenceCount + fresh.length;
        e.occurrences = capOccurrences([...old.occurrences, ...fresh], new Set(e.introducedIn), cap);
      }
      e.found = true;
      if (verification) e.verification = toBaselineVerification(verification);
    }

    // imported triage hints
    if (hints.length > 0) {
      let s1: string | undefined;
      const sha1Of = (): string => (s1 ??= sha1(fs[0]!.secret));
      let best: TriageHint | undefined;
      for (const h of hints) {
        if (!fs.some((f) => hintMatches(h, f, sha1Of))) continue;
        if (!best || RANK[h.triage.state] > RANK[best.triage.state]) best = h;
        const outcome: HintOutcome = { hint: h, key, result: 'kept' };
        hintHits.set(h, [...(hintHits.get(h) ?? []), outcome]);
      }
      if (best && e.triage.state === 'open' && best.triage.state !== 'open') {
        e.triage = hintTriage(best, opts.now);
        for (const o of hintHits.get(best) ?? []) if (o.key === key) o.result = 'set';
      }
    }

    out.entries[key] = e;
    if (old && !same(old, e)) updated.add(key);
  }

  const notFound: string[] = [];
  if (opts.scope === 'full') {
    for (const [key, e] of Object.entries(out.entries)) {
      if (foundKeys.has(key)) continue;
      notFound.push(key);
      if (e.found) {
        out.entries[key] = { ...e, found: false };
        updated.add(key);
      }
    }
  }
  if (opts.tips) out.seenTips = { ...opts.tips };
  if (opts.scanned) out.scanned = structuredClone(opts.scanned);

  const applied = [...hintHits.values()].flat();
  return {
    baseline: out,
    classification: summarise(items),
    added: added.sort(cmp),
    updated: [...updated].sort(cmp),
    notFound: notFound.sort(cmp),
    hints: { applied, unmatched: hints.filter((h) => !hintHits.has(h)) },
  };
}

function placeholder(ruleId: string, hash: string, alg: BaselineEntry['alg']): BaselineEntry {
  return {
    ruleId,
    hash,
    alg,
    triage: { state: 'open' },
    status: 'present',
    found: true,
    occurrenceCount: 0,
    occurrences: [],
    introducedIn: [],
    removedIn: [],
    atTips: [],
  };
}

/** present beats history-only beats unreachable (the most exposed wins). */
function worstStatus(ss: FindingStatus[]): FindingStatus {
  if (ss.includes('present')) return 'present';
  if (ss.includes('history-only')) return 'history-only';
  return ss[0] ?? 'present';
}

// ---------------------------------------------------------------------------------------------------------------
// status

export interface EntryRef {
  key: string;
  entry: BaselineEntry;
}

export interface BaselineStatus {
  total: number;
  byStatus: Record<FindingStatus, number>;
  byTriage: Record<TriageState, number>;
  /** Entries the last full run did not find anywhere (`prune` would drop them). */
  notFound: EntryRef[];
  /** Secrets gone from every ref tip but still in history, and not rotated: still live, still reachable. */
  historyOnlyNotRotated: EntryRef[];
  /** Accepted / false-positive entries whose secret is no longer found: suppressions that do nothing. */
  unusedSuppressions: EntryRef[];
  /** Accepted entries past their expiry (they fail runs again). */
  expiredAcceptances: EntryRef[];
  /** Last verification said valid and the entry is not rotated. */
  verifiedValid: EntryRef[];
}

/** Counts and the lists `baseline status` prints. */
export function status(b: Baseline, now: Now): BaselineStatus {
  const byStatus: Record<FindingStatus, number> = { present: 0, 'history-only': 0, unreachable: 0 };
  const byTriage: Record<TriageState, number> = { open: 0, accepted: 0, 'false-positive': 0, rotated: 0 };
  const r: BaselineStatus = {
    total: 0,
    byStatus,
    byTriage,
    notFound: [],
    historyOnlyNotRotated: [],
    unusedSuppressions: [],
    expiredAcceptances: [],
    verifiedValid: [],
  };
  for (const key of Object.keys(b.entries).sort(cmp)) {
    const entry = b.entries[key]!;
    const ref = { key, entry };
    const t = entry.triage.state;
    r.total++;
    byStatus[entry.status]++;
    byTriage[t]++;
    if (!entry.found) r.notFound.push(ref);
    if (entry.found && entry.status === 'history-only' && t !== 'rotated' && t !== 'false-positive')
      r.historyOnlyNotRotated.push(ref);
    if (!entry.found && (t === 'accepted' || t === 'false-positive')) r.unusedSuppressions.push(ref);
    if (isExpired(entry.triage, now)) r.expiredAcceptances.push(ref);
    if (entry.verification?.status === 'valid' && t !== 'rotated') r.verifiedValid.push(ref);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// triage changes and lookup

/**
 * Resolve what a user typed to one entry key: an exact key, a unique key prefix (`rule:1a2b`), or a unique prefix
 * (>= 4 hex) of an entry's hash. Errors: E_FINGERPRINT_NOT_FOUND (no entry), E_USAGE (ambiguous: lists candidates).
 */
export function resolveKey(b: Baseline, input: string): string {
  const q = input.trim();
  if (b.entries[q]) return q;
  let hits = Object.keys(b.entries).filter((k) => k.startsWith(q));
  if (hits.length === 0 && /^[0-9a-f]{4,64}$/.test(q)) hits = Object.keys(b.entries).filter((k) => b.entries[k]!.hash.startsWith(q));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0)
    throw new LeakhoundError('E_FINGERPRINT_NOT_FOUND', `no baseline entry matches "${q}"`, { fingerprint: q });
  hits.sort(cmp);
  throw new LeakhoundError(
    'E_USAGE',
    `"${q}" matches ${hits.length} baseline entries (${hits.slice(0, 5).join(', ')}${hits.length > 5 ? ', …' : ''}); type more of it`,
    { fingerprint: q, candidates: hits },
  );
}

export interface TriageResult {
  baseline: Baseline;
  key: string;
  previous: Triage;
}

function withTriage(b: Baseline, input: string, triage: Triage): TriageResult {
  const key = resolveKey(b, input);
  const out = structuredClone(b);
  const e = out.entries[key]!;
  const previous = e.triage;
  e.triage = triage;
  return { baseline: out, key, previous };
}

function need(v: string | undefined, what: string): string {
  if (v === undefined || v.trim() === '') throw new LeakhoundError('E_USAGE', `${what} is required`);
  return v.trim();
}

const EXPIRES = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** `baseline accept KEY --reason R [--expires DATE]`. */
export function accept(
  b: Baseline,
  key: string,
  opts: { reason: string; by: string; expires?: string; now?: Now },
): TriageResult {
  const t: Triage = { state: 'accepted', reason: need(opts.reason, 'a reason'), by: need(opts.by, 'who accepts (by)'), at: iso(opts.now ?? new Date()) };
  if (opts.expires !== undefined) {
    if (!EXPIRES.test(opts.expires) || Number.isNaN(expiryInstant(opts.expires)))
      throw new LeakhoundError('E_USAGE', `--expires must be YYYY-MM-DD or an ISO 8601 date-time, got "${opts.expires}"`);
    t.expires = opts.expires;
  }
  return withTriage(b, key, t);
}

/** Mark as a false positive (not a secret). */
export function markFalsePositive(b: Baseline, key: string, opts: { reason: string; by: string; now?: Now }): TriageResult {
  return withTriage(b, key, {
    state: 'false-positive',
    reason: need(opts.reason, 'a reason'),
    by: need(opts.by, 'who decides (by)'),
    at: iso(opts.now ?? new Date()),
  });
}

/** `baseline mark-rotated KEY`: the secret was revoked/rotated at `at` (default now); optionally confirmed by a verification. */
export function markRotated(
  b: Baseline,
  key: string,
  opts: { at?: Now; by?: string; reason?: string; verification?: VerificationResult | BaselineVerification } = {},
): TriageResult {
  const t: Triage = { state: 'rotated', at: iso(opts.at ?? new Date()) };
  if (opts.by) t.by = opts.by;
  if (opts.reason) t.reason = opts.reason;
  if (opts.verification) {
    const v = opts.verification;
    if (v.status === 'valid')
      throw new LeakhoundError('E_USAGE', 'the verification says the secret is still valid: it has not been rotated');
    t.confirmedBy = toBaselineVerification({ detail: '', ...v });
  }
  return withTriage(b, key, t);
}

/** Back to untriaged. */
export function reopen(b: Baseline, key: string): TriageResult {
  return withTriage(b, key, { state: 'open' });
}

/**
 * `baseline prune`: drop entries whose secret is no longer found anywhere. With `foundKeys` (the keys of a complete
 * run), drops every entry not among them; without, drops entries marked `found: false` by the last full merge.
 */
export function prune(b: Baseline, foundKeys?: Iterable<string>): { baseline: Baseline; removed: string[] } {
  const keep = foundKeys ? new Set(foundKeys) : undefined;
  const out = structuredClone(b);
  const removed: string[] = [];
  for (const [key, e] of Object.entries(out.entries)) {
    if (keep ? !keep.has(key) : !e.found) {
      delete out.entries[key];
      removed.push(key);
    }
  }
  return { baseline: out, removed: removed.sort(cmp) };
}

/** Record ref tips (e.g. after an audit that did not go through `merge`). */
export function withTips(b: Baseline, tips: Record<string, string>): Baseline {
  return { ...structuredClone(b), seenTips: { ...tips } };
}

// ---------------------------------------------------------------------------------------------------------------
// three-way merge (git merge driver)

export interface ThreeWayResult {
  baseline: Baseline;
  /** Decisions made where both sides changed the same thing differently (for the driver to print). */
  notes: string[];
}

const later = (a: string, b: string): boolean => Date.parse(a) > Date.parse(b);
const triageAt = (t: Triage): string => ('at' in t ? t.at : '');

function mergeEntry(key: string, base: BaselineEntry | undefined, a: BaselineEntry, b: BaselineEntry, notes: string[]): BaselineEntry {
  if (same(a, b)) return a;
  if (base && same(base, a)) return b;
  if (base && same(base, b)) return a;
  const out = structuredClone(a);
  // triage: the side that changed it; both changed: the later decision
  if (!same(a.triage, b.triage)) {
    const aChanged = !base || !same(base.triage, a.triage);
    const bChanged = !base || !same(base.triage, b.triage);
    if (bChanged && !aChanged) out.triage = structuredClone(b.triage);
    else if (aChanged && bChanged) {
      if (later(triageAt(b.triage), triageAt(a.triage))) out.triage = structuredClone(b.triage);
      notes.push(`${key}: both sides changed the triage; kept the later decision (${out.triage.state})`);
    }
  }
  // metadata: union (what either side knew)
  out.introducedIn = sortedUnique([...a.introducedIn, ...b.introducedIn]);
  out.removedIn = sortedUnique([...a.removedIn, ...b.removedIn]);
  out.atTips = sortedUnique([...a.atTips, ...b.atTips]);
  out.status = worstStatus([a.status, b.status]);
  out.found = a.found || b.found;
  const occs = new Map<string, BaselineOccurrence>();
  for (const o of [...a.occurrences, ...b.occurrences]) occs.set(occId(o), o);
  out.occurrences = capOccurrences([...occs.values()], new Set(out.introducedIn), Math.max(a.occurrences.length, b.occurrences.length, 1));
  out.occurrenceCount = Math.max(a.occurrenceCount, b.occurrenceCount, out.occurrences.length);
  const va = a.verification;
  const vb = b.verification;
  if (vb && (!va || later(vb.checkedAt, va.checkedAt))) out.verification = structuredClone(vb);
  return out;
}

function mergeMap<T>(base: Record<string, T>, a: Record<string, T>, b: Record<string, T>, both: (k: string, x: T, y: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k];
    const y = b[k];
    const o = base[k];
    if (x !== undefined && y !== undefined) out[k] = both(k, x, y);
    else if (x !== undefined) {
      if (o === undefined || !same(o, x)) out[k] = x; // added by ours, or deleted by theirs but changed by ours
    } else if (y !== undefined) {
      if (o === undefined || !same(o, y)) out[k] = y;
    }
  }
  return out;
}

/**
 * Semantic three-way merge of baselines (for a git merge driver: `.gitattributes`
 * `.leakhound-baseline.json merge=leakhound`, `git config merge.leakhound.driver "leakhound baseline merge-driver %O %A %B"`).
 * Entries: union by key; an entry deleted (pruned) on one side and unchanged on the other is dropped; triage changed
 * on one side wins; changed on both, the later decision wins (noted); metadata is the union. seenTips: per ref,
 * the side that moved it (both: ours). Errors: E_USAGE when the two sides have different salts (different baselines).
 */
export function mergeThreeWay(base: Baseline | undefined, ours: Baseline, theirs: Baseline): ThreeWayResult {
  if (ours.salt !== theirs.salt || !same(ours.kdf, theirs.kdf))
    throw new LeakhoundError('E_USAGE', 'cannot merge baselines with different salts or kdf settings (they were created independently)');
  const notes: string[] = [];
  const b0 = base && base.salt === ours.salt ? base : undefined;
  const entries = mergeMap(b0?.entries ?? {}, ours.entries, theirs.entries, (k, x, y) => mergeEntry(k, b0?.entries[k], x, y, notes));
  const seenTips = mergeMap(b0?.seenTips ?? {}, ours.seenTips, theirs.seenTips, (k, x, y) => {
    const o = b0?.seenTips[k];
    if (x === y || o === y) return x;
    if (o === x) return y;
    notes.push(`seenTips ${k}: moved on both sides; kept ours`);
    return x;
  });
  const scanned = b0 && same(b0.scanned, ours.scanned) ? theirs.scanned : ours.scanned;
  return { baseline: { ...structuredClone(ours), scanned: structuredClone(scanned), seenTips, entries }, notes };
}
