// Audits that feed a baseline: `baseline create/update/prune/import` and `audit --baseline`.
// Owns: deciding whether an audit can be incremental (only commits not reachable from the baseline's `seenTips`),
// running it, and folding it into the baseline so that the result equals what a full audit would give.
// May import: types, errors, baseline, sources/git, rules (types), ./audit.
//
// When an audit is incremental (all must hold; otherwise it is a full audit, and the reason is reported):
// - the baseline records seen tips, and was made with the same settings (`scanned`: all refs, messages, inline
//   allow comments, max file size, and a digest of the rules and allowlists: new rules must see old history);
// - not `--unreachable` (unreachable objects are found by subtracting everything reachable: that is a full walk);
// - every seen tip still exists and is reachable from a current ref. A tip that is not (a force-push, a deleted
//   unmerged branch, a rewrite) means commits the baseline describes may have left history: we fall back to a full
//   audit rather than trying to subtract them.
// Then the walk excludes everything reachable from the seen tips. Boundary commits get their secret counts from
// their full trees (runAudit), so introduced/removed attribution is exact, and `completeTips` makes runAudit report
// every secret at a current tip and every secret a new commit removes. The merge (scope `incremental`) unions
// commits and occurrences; then `atTips`/`status` are set from the run for every entry (an entry the run did not
// see is at no tip). Occurrences: a full audit records a (path, blob) only at the first commit that brings it; a new
// commit that brings a (path, blob) an old commit already brought (a merge of an old branch, a revert, a
// cherry-pick) is dropped, checked against the stored occurrences (exact unless an entry has more occurrences than
// the stored cap).
import { createHash } from 'node:crypto';
import {
  type Baseline,
  type BaselineEntry,
  type FindingClass,
  type MergeResult,
  type ScannedValue,
  type TriageHint,
  identify,
  isExpired,
  merge,
  prepareIdentities,
} from '../baseline/index.js';
import { LeakhoundError } from '../errors/index.js';
import type { LoadedRules } from '../rules/load.js';
import { type ObjectStore, TipIndex, listRefs, openRepository, parseCommit, peel } from '../sources/git/index.js';
import type { Finding, FindingStatus } from '../types/index.js';
import { type AuditOptions, type AuditResult, runAudit } from './audit.js';

export interface IncrementalPlan {
  incremental: boolean;
  /** Why a full audit, or what the incremental one starts from (for a note to the user). */
  reason: string;
  /** Seen tip oids to exclude (incremental only). */
  exclude: string[];
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].sort(cmp);

/** What `scanned` records: the settings a baseline's entries depend on. */
export function auditSettings(loaded: LoadedRules, o: Pick<AuditOptions, 'unreachable' | 'messages' | 'inlineAllow' | 'maxFileSize'>): Record<string, ScannedValue> {
  const rules = [...loaded.rules]
    .sort((a, b) => cmp(a.id, b.id))
    .map((r) => [r.id, r.pattern, r.flags, r.secretGroup, r.keywords, r.entropy ?? null, r.minLength ?? null, r.validate ?? null, r.allowSecrets, r.stopwords, r.allowRegexes, r.allowPaths, r.paths, r.multiline]);
  const digest = createHash('sha256').update(JSON.stringify({ rules, allow: loaded.allow })).digest('hex').slice(0, 16);
  const s: Record<string, ScannedValue> = {
    inlineAllow: o.inlineAllow !== false,
    messages: o.messages !== false,
    refs: 'all',
    rules: digest,
    unreachable: o.unreachable === true,
  };
  if (o.maxFileSize !== undefined) s['maxFileSize'] = o.maxFileSize;
  return s;
}

const full = (reason: string): IncrementalPlan => ({ incremental: false, reason, exclude: [] });

function peelCommit(store: ObjectStore, oid: string): string | undefined {
  try {
    const p = peel(store, oid);
    return p.type === 'commit' ? p.oid : undefined;
  } catch {
    return undefined;
  }
}

/** Can an audit of `repoPath` with these settings be incremental from `b`? Never throws for a plain "no". */
export function planIncremental(b: Baseline, repoPath: string, settings: Record<string, ScannedValue>): IncrementalPlan {
  const seen = Object.entries(b.seenTips);
  if (seen.length === 0) return full('the baseline records no ref tips');
  if (settings['unreachable'] === true) return full('--unreachable audits are always full');
  const differs = sortedUnique([...Object.keys(settings), ...Object.keys(b.scanned)]).filter(
    (k) => JSON.stringify(settings[k]) !== JSON.stringify(b.scanned[k]),
  );
  if (differs.length > 0) return full(`the baseline was made with other settings (${differs.join(', ')})`);
  const { repo, store } = openRepository(repoPath);
  try {
    const current = new Set<string>();
    for (const r of listRefs(repo)) {
      const c = peelCommit(store, r.oid);
      if (c) current.add(c);
    }
    const targets = new Map<string, string>(); // commit -> ref name (for the message)
    for (const [ref, oid] of seen) {
      const c = store.has(oid) ? peelCommit(store, oid) : undefined;
      if (!c) return full(`the tip ${oid.slice(0, 12)} recorded for ${ref} is no longer in the repository (history rewritten?)`);
      if (!current.has(c)) targets.set(c, ref);
    }
    const missing = unreachedFrom(store, current, new Set(targets.keys()));
    if (missing.length > 0) {
      const ref = targets.get(missing[0]!) ?? '?';
      return full(`the tip ${missing[0]!.slice(0, 12)} recorded for ${ref} is no longer reachable from any ref (force-push, rewrite or deleted branch)`);
    }
    return { incremental: true, reason: `commits not reachable from the ${seen.length} ref tip(s) recorded in the baseline`, exclude: seen.map(([, oid]) => oid) };
  } finally {
    try {
      store.close();
    } catch {
      /* best effort */
    }
  }
}

/** Targets not reachable from `from`: newest-first walk of the commit graph, stopping once all are found. */
function unreachedFrom(store: ObjectStore, from: Iterable<string>, targets: Set<string>): string[] {
  if (targets.size === 0) return [];
  const left = new Set(targets);
  const seen = new Set<string>();
  const heap: Array<{ oid: string; t: number }> = [];
  const push = (oid: string): void => {
    if (seen.has(oid)) return;
    seen.add(oid);
    let t = 0;
    try {
      t = parseCommit(store.readAs(oid, 'commit'), oid).committer.timestamp;
    } catch {
      return; // missing (shallow boundary) or corrupt: nothing beyond it
    }
    heap.push({ oid, t });
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]!.t >= heap[i]!.t) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = (): { oid: string; t: number } => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]!.t > heap[m]!.t) m = l;
        if (r < heap.length && heap[r]!.t > heap[m]!.t) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  for (const c of from) push(c);
  while (heap.length > 0 && left.size > 0) {
    const { oid } = pop();
    left.delete(oid);
    try {
      for (const p of parseCommit(store.readAs(oid, 'commit'), oid).parents) push(p);
    } catch {
      /* unreadable: stop here */
    }
  }
  return [...left].sort(cmp);
}

export interface BaselineAudit {
  audit: AuditResult;
  plan: IncrementalPlan;
  merged: MergeResult;
  /** Keys whose entry changed (added, metadata, triage), recomputed after the incremental fix-ups. */
  changed: string[];
}

/**
 * Audit the repository and fold the result into `b` (not changed). Incremental when `planIncremental` allows it and
 * `full` is not set. Object errors in the audit are an error (E_OBJECT_*): a baseline is not written from a partial
 * history.
 */
export async function auditIntoBaseline(
  loaded: LoadedRules,
  o: AuditOptions,
  b: Baseline,
  opts: { now: Date | string; full?: boolean | string; hints?: readonly TriageHint[] },
): Promise<BaselineAudit> {
  if (o.refs || o.exclude) throw new LeakhoundError('E_USAGE', 'a baseline covers every ref: --ref/--range are not allowed here');
  const settings = auditSettings(loaded, o);
  const plan = opts.full ? full(typeof opts.full === 'string' ? opts.full : 'a full audit was asked for (--full)') : planIncremental(b, o.repo, settings);
  const ao: AuditOptions = { ...o };
  if (plan.incremental) {
    ao.exclude = plan.exclude;
    ao.completeTips = true;
  }
  const audit = await runAudit(loaded, ao);
  if (audit.errors.length > 0) {
    const first = audit.errors[0]!;
    throw new LeakhoundError(
      first.code === 'E_OBJECT_CORRUPT' ? 'E_OBJECT_CORRUPT' : 'E_OBJECT_MISSING',
      `${audit.errors.length} missing or corrupt object(s) (first: ${first.message}); the baseline was not written`,
    );
  }
  await prepareIdentities(b, audit.findings.map((f) => f.secret));
  const findings = plan.incremental ? dropSeenOccurrences(b, audit.findings, o.repo) : audit.findings;
  const mo: Parameters<typeof merge>[2] = { now: opts.now, scope: plan.incremental ? 'incremental' : 'full', tips: audit.tips, scanned: settings };
  if (opts.hints) mo.hints = opts.hints;
  const merged = merge(b, findings, mo);
  if (plan.incremental) fixTips(merged, b);
  const changed = Object.keys(merged.baseline.entries)
    .filter((k) => JSON.stringify(b.entries[k]) !== JSON.stringify(merged.baseline.entries[k]))
    .sort(cmp);
  return { audit, plan, merged, changed };
}

/** Incremental: set atTips/status of every entry from the run (which reports every secret at a current tip). */
function fixTips(m: MergeResult, before: Baseline): void {
  const run = new Map<string, Finding[]>();
  for (const it of m.classification.items) run.set(it.key, [...(run.get(it.key) ?? []), it.finding]);
  for (const [key, e] of Object.entries(m.baseline.entries)) {
    const fs = run.get(key);
    if (fs) {
      e.atTips = sortedUnique(fs.flatMap((f) => f.atTips));
      e.status = e.atTips.length > 0 ? 'present' : worst(fs.map((f) => f.status), e.status);
    } else if (before.entries[key] && e.found) {
      // still in (old) history, at no current tip; a full audit would find it there
      e.atTips = [];
      if (e.status === 'present') e.status = 'history-only';
    }
  }
}

function worst(ss: FindingStatus[], dflt: FindingStatus): FindingStatus {
  if (ss.includes('present')) return 'present';
  if (ss.includes('history-only')) return 'history-only';
  return ss[0] ?? dflt;
}

/**
 * Incremental: drop occurrences a full audit would not record because an old commit already brought the same blob
 * to the same path (see the module header). Checked against each entry's stored occurrences.
 */
function dropSeenOccurrences(b: Baseline, findings: readonly Finding[], repoPath: string): Finding[] {
  const work: Array<{ f: Finding; e: BaselineEntry }> = [];
  const commits = new Set<string>();
  for (const f of findings) {
    const e = b.entries[identify(b, f.ruleId, f.secret).key];
    if (!e || !f.occurrences.some((o) => o.blob && o.commit)) continue;
    work.push({ f, e });
    for (const s of e.occurrences) if (s.commit) commits.add(s.commit);
  }
  if (work.length === 0 || commits.size === 0) return [...findings];
  const { store } = openRepository(repoPath);
  try {
    const idx = new TipIndex(store, [...commits].map((c) => ({ name: c, oid: c })));
    const replaced = new Map<Finding, Finding>();
    for (const { f, e } of work) {
      const keep = f.occurrences.filter(
        (o) =>
          !(o.blob && o.commit) ||
          !e.occurrences.some((s) => s.commit && s.commit !== o.commit && s.path === o.path && s.line === o.line && idx.entryAt(s.commit, s.path)?.oid === o.blob),
      );
      if (keep.length !== f.occurrences.length) replaced.set(f, { ...f, occurrences: keep });
    }
    return findings.map((f) => replaced.get(f) ?? f);
  } finally {
    try {
      store.close();
    } catch {
      /* best effort */
    }
  }
}

export interface UntouchedClass {
  key: string;
  class: FindingClass;
  fails: boolean;
  reason: string;
}

/**
 * `audit --baseline`, incremental: classify the entries the run did not see (they are still in history: the
 * baseline says so). Same policy as `classify`: expired acceptances fail; a rotated secret fails when a commit
 * dated after the rotation introduced it. Entries the last full run did not find are skipped.
 */
export function classifyUntouched(b: Baseline, touched: ReadonlySet<string>, repoPath: string, now: Date): UntouchedClass[] {
  const out: UntouchedClass[] = [];
  let store: ObjectStore | undefined;
  const dateOf = (c: string): number => {
    store ??= openRepository(repoPath).store;
    try {
      return parseCommit(store.readAs(c, 'commit'), c).author.timestamp * 1000;
    } catch {
      return Number.NaN;
    }
  };
  try {
    for (const key of Object.keys(b.entries).sort(cmp)) {
      const e = b.entries[key]!;
      if (touched.has(key) || !e.found) continue;
      const t = e.triage;
      if (t.state === 'open') out.push({ key, class: 'known-open', fails: false, reason: 'known in the baseline, not triaged yet' });
      else if (t.state === 'false-positive') out.push({ key, class: 'false-positive', fails: false, reason: `false positive (${t.by}): ${t.reason}` });
      else if (t.state === 'accepted') {
        if (isExpired(t, now)) out.push({ key, class: 'accepted-expired', fails: true, reason: `acceptance by ${t.by} expired on ${t.expires ?? '?'}: ${t.reason}` });
        else out.push({ key, class: 'accepted', fails: false, reason: `accepted by ${t.by}: ${t.reason}` });
      } else {
        const at = Date.parse(t.at);
        const again = e.introducedIn.find((c) => dateOf(c) > at);
        if (again) out.push({ key, class: 'rotated-regression', fails: true, reason: `rotated on ${t.at} but introduced again by commit ${again.slice(0, 12)}` });
        else out.push({ key, class: 'rotated', fails: false, reason: `rotated on ${t.at}` });
      }
    }
  } finally {
    try {
      store?.close();
    } catch {
      /* best effort */
    }
  }
  return out;
}
