// The `ci` pipeline: find what this CI run should scan (a pull/merge request's commits, a push's range, or the whole
// history), make sure the clone actually holds it (a shallow clone that lacks the base is an error with the fix,
// never a silent pass), and run the history audit on it.
// Owns: CI environment detection and range checks. May import: types, errors, rules (types), sources/git, pipeline/audit.
import { readFileSync } from 'node:fs';
import { LeakhoundError } from '../errors/index.js';
import { type GitRepository, type ObjectStore, discoverRepository, resolveRef } from '../sources/git/index.js';
import { ObjectStore as Store } from '../sources/git/object-store.js';
import { parseCommitLinks } from '../sources/git/parse.js';
import type { LoadedRules } from '../rules/load.js';
import type { Finding } from '../types/index.js';
import { type AuditOptions, type AuditResult, runAudit } from './audit.js';

export type CiPlatform = 'github' | 'gitlab' | 'local';

export interface CiTarget {
  platform: CiPlatform;
  mode: 'pull-request' | 'push' | 'full';
  /** Commits reachable from base are not scanned. */
  base?: string;
  head?: string;
  /** Human description for the log, e.g. "pull request #12 (3 commits)". */
  description: string;
  /** Commits the request says it has (GitHub pull_request.commits), to say how deep to fetch. */
  commits?: number;
}

type Env = Readonly<Record<string, string | undefined>>;
const ZERO = /^0+$/;

/** Reads the CI environment. `explicit` (--base/--head/--full) wins over detection. */
export function detectTarget(env: Env, explicit: { base?: string; head?: string; full?: boolean } = {}, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): CiTarget {
  const platform: CiPlatform = env.GITHUB_ACTIONS === 'true' ? 'github' : env.GITLAB_CI === 'true' ? 'gitlab' : 'local';
  if (explicit.full) return { platform, mode: 'full', description: 'the whole history (--full)' };
  if (explicit.base) return { platform, mode: 'pull-request', base: explicit.base, head: explicit.head ?? 'HEAD', description: `${explicit.base}..${explicit.head ?? 'HEAD'}` };
  if (platform === 'github') {
    const name = env.GITHUB_EVENT_NAME ?? '';
    let ev: Record<string, unknown> = {};
    if (env.GITHUB_EVENT_PATH) {
      try {
        ev = JSON.parse(readFile(env.GITHUB_EVENT_PATH)) as Record<string, unknown>;
      } catch {
        ev = {};
      }
    }
    const pr = ev.pull_request as { number?: number; commits?: number; base?: { sha?: string }; head?: { sha?: string } } | undefined;
    if ((name === 'pull_request' || name === 'pull_request_target') && pr?.base?.sha && pr.head?.sha) {
      const t: CiTarget = { platform, mode: 'pull-request', base: pr.base.sha, head: pr.head.sha, description: `pull request #${pr.number ?? '?'}${pr.commits ? ` (${pr.commits} commit${pr.commits === 1 ? '' : 's'})` : ''}` };
      if (pr.commits) t.commits = pr.commits;
      return t;
    }
    if (name === 'push' && typeof ev.after === 'string' && !ZERO.test(ev.after)) {
      if (typeof ev.before === 'string' && !ZERO.test(ev.before)) return { platform, mode: 'push', base: ev.before, head: ev.after, description: `push ${ev.before.slice(0, 12)}..${ev.after.slice(0, 12)}` };
      return { platform, mode: 'full', head: ev.after, description: 'a new branch (no previous tip): its whole history' };
    }
    if (env.GITHUB_BASE_REF) return { platform, mode: 'pull-request', base: `origin/${env.GITHUB_BASE_REF}`, head: env.GITHUB_SHA ?? 'HEAD', description: `changes against origin/${env.GITHUB_BASE_REF}` };
    return { platform, mode: 'full', description: `the whole history (event ${name || 'unknown'})` };
  }
  if (platform === 'gitlab') {
    const head = env.CI_COMMIT_SHA ?? 'HEAD';
    const mrBase = env.CI_MERGE_REQUEST_DIFF_BASE_SHA;
    if (mrBase && !ZERO.test(mrBase)) return { platform, mode: 'pull-request', base: mrBase, head, description: `merge request !${env.CI_MERGE_REQUEST_IID ?? '?'}` };
    const before = env.CI_COMMIT_BEFORE_SHA;
    if (before && !ZERO.test(before)) return { platform, mode: 'push', base: before, head, description: `push ${before.slice(0, 12)}..${head.slice(0, 12)}` };
    return { platform, mode: 'full', head, description: 'the whole history (no previous pipeline commit)' };
  }
  return { platform, mode: 'full', description: 'the whole history (no CI range detected)' };
}

function fixFor(t: CiTarget): string {
  const depth = t.commits ? `fetch-depth: ${t.commits + 1} is the least that reaches the base of this pull request; ` : '';
  if (t.platform === 'github') return `In the actions/checkout step set \`fetch-depth: 0\` (${depth}or run \`git fetch --deepen=<n>\` / \`git fetch origin <base sha>\` before leakhound).`;
  if (t.platform === 'gitlab') return 'Set `GIT_DEPTH: 0` in the job\'s variables (or `git fetch --unshallow` before leakhound).';
  return 'Fetch the missing history: `git fetch --unshallow` (or `git fetch origin <base>`).';
}

function resolve(repo: GitRepository, store: ObjectStore, rev: string, what: string, t: CiTarget): string {
  try {
    const oid = resolveRef(repo, rev, store).oid;
    if (!store.has(oid)) throw new Error('missing');
    return oid;
  } catch {
    const shallow = repo.shallow.length > 0;
    throw new LeakhoundError(
      'E_SHALLOW',
      `the ${what} commit ${rev} of ${t.description} is not in this clone${shallow ? ' (it is a shallow clone)' : ''}, so the range cannot be scanned. ${fixFor(t)}`,
      { rev, what },
    );
  }
}

/** In a shallow clone: the walk from head must reach base's history before it reaches the shallow boundary. */
function checkDepth(repo: GitRepository, store: ObjectStore, base: string, head: string, t: CiTarget): void {
  if (!repo.shallow.length) return;
  const boundary = new Set(repo.shallow);
  const parents = (oid: string): string[] => (boundary.has(oid) ? [] : parseCommitLinks(store.readAs(oid, 'commit'), oid).parents);
  const ofBase = new Set<string>();
  for (const stack = [base]; stack.length; ) {
    const c = stack.pop()!;
    if (ofBase.has(c)) continue;
    ofBase.add(c);
    for (const p of parents(c)) if (store.has(p)) stack.push(p);
  }
  const seen = new Set<string>();
  for (const stack = [head]; stack.length; ) {
    const c = stack.pop()!;
    if (seen.has(c) || ofBase.has(c)) continue;
    seen.add(c);
    if (boundary.has(c))
      throw new LeakhoundError('E_SHALLOW', `this clone is too shallow: the history of ${t.description} stops at ${c.slice(0, 12)} before it meets the base ${base.slice(0, 12)}, so some of its commits cannot be scanned. ${fixFor(t)}`, { base, head });
    for (const p of parents(c)) if (store.has(p)) stack.push(p);
  }
}

/** What `ci` needs from the audit (kept narrow so the audit can evolve behind it). */
export type Auditor = (loaded: LoadedRules, o: AuditOptions) => Promise<AuditResult>;

export interface CiOptions {
  repo: string;
  target: CiTarget;
  audit?: Omit<AuditOptions, 'repo' | 'refs' | 'exclude'>;
  auditor?: Auditor;
}

export interface CiResult {
  target: CiTarget;
  /** For ranges: only the findings a commit of the range introduced. */
  findings: Finding[];
  audit: AuditResult;
  root: string;
}

export async function runCi(loaded: LoadedRules, o: CiOptions): Promise<CiResult> {
  const repo = discoverRepository(o.repo, { env: {} });
  const root = repo.workTree ?? repo.gitDir;
  const t = o.target;
  const auditOpts: AuditOptions = { ...o.audit, repo: o.repo };
  if (t.mode !== 'full' && t.base) {
    const store = new Store(repo.objectsDir);
    try {
      const head = resolve(repo, store, t.head ?? 'HEAD', 'head', t);
      const base = resolve(repo, store, t.base, 'base', t);
      checkDepth(repo, store, base, head, t);
      auditOpts.refs = [head];
      auditOpts.exclude = [base];
    } finally {
      store.close();
    }
  } else if (t.head) {
    auditOpts.refs = [t.head];
  }
  const res = await (o.auditor ?? runAudit)(loaded, auditOpts);
  const findings = t.mode === 'full' ? res.findings : res.findings.filter((f) => f.introducedIn.length > 0);
  return { target: t, findings, audit: res, root };
}
