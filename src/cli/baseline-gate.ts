// `--baseline` for audit/scan/protect/ci: which findings fail the run, which are suppressed and why.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BASELINE_FILE, type Baseline, classify, load, prepareIdentities } from '../baseline/index.js';
import { LeakhoundError } from '../errors/index.js';
import type { AuditOptions } from '../pipeline/audit.js';
import { type IncrementalPlan, auditSettings, classifyUntouched, planIncremental } from '../pipeline/incremental.js';
import type { LoadedRules } from '../rules/load.js';
import { discoverRepository } from '../sources/git/index.js';
import type { Finding } from '../types/index.js';

/** `audit --baseline` that walks only commits the baseline has not seen (see pipeline/incremental.ts). */
export interface IncrementalAudit {
  path: string;
  repo: string;
  baseline: Baseline;
  plan: IncrementalPlan;
}

export interface Gate {
  /** Findings to show: all of them (known ones are listed too, with their baseline key and class). */
  reported: Finding[];
  /** Baseline class by fingerprint (new, known-open, accepted, ...) and the reason line. */
  classes: Map<string, string>;
  failing: number;
  suppressed: Record<string, number>;
  keys: Map<string, string>;
}

/** Resolves --baseline (explicit, or the default file at the repository root if it exists). */
export function baselinePath(argv: Record<string, unknown>, root: string): string | undefined {
  if (typeof argv.baseline === 'string') {
    if (!existsSync(argv.baseline)) throw new LeakhoundError('E_BASELINE_NOT_FOUND', `baseline file not found: ${argv.baseline} (create one with \`leakhound baseline create\`)`);
    return argv.baseline;
  }
  let dir = root;
  try {
    dir = discoverRepository(root, { env: process.env }).workTree ?? root;
  } catch {
    /* not a repository (scan of plain files): look where we were told */
  }
  const def = join(dir, DEFAULT_BASELINE_FILE);
  return existsSync(def) ? def : undefined;
}

/**
 * `audit` with a baseline and no --ref/--range/--since-commit/--unreachable/--full: if the baseline allows it, make
 * the audit incremental (sets `o.exclude` and `o.completeTips`) and say so on stderr. Undefined: a normal audit.
 */
export function planBaselineAudit(argv: Record<string, unknown>, root: string, loaded: LoadedRules, o: AuditOptions): IncrementalAudit | undefined {
  const path = baselinePath(argv, root);
  if (!path || argv.full === true || o.refs || o.exclude || o.unreachable) return undefined;
  const baseline = load(path);
  const plan = planIncremental(baseline, o.repo, auditSettings(loaded, o));
  if (!plan.incremental) {
    process.stderr.write(`leakhound: full audit: ${plan.reason}\n`);
    return undefined;
  }
  o.exclude = plan.exclude;
  o.completeTips = true;
  process.stderr.write(`leakhound: incremental audit against ${path}: ${plan.reason} (--full to audit everything)\n`);
  return { path, repo: o.repo, baseline, plan };
}

export async function applyBaseline(
  argv: Record<string, unknown>,
  root: string,
  findings: Finding[],
  now = new Date(),
  inc?: IncrementalAudit,
): Promise<Gate | undefined> {
  const path = inc?.path ?? baselinePath(argv, root);
  if (!path) return undefined;
  const b = inc?.baseline ?? load(path);
  await prepareIdentities(b, findings.map((f) => f.secret));
  const c = classify(b, findings, now);
  const keys = new Map(c.items.map((i) => [i.finding.fingerprint, i.key]));
  const byClass: Record<string, number> = { ...c.suppressed.byClass };
  let failing = c.failing.length;
  if (inc) {
    // Known entries the new commits did not touch are still in history (the baseline says where): count them as a
    // full audit would, and fail on those whose decision no longer holds (expired acceptance, rotation regression).
    const untouched = classifyUntouched(b, new Set(c.items.map((i) => i.key)), inc.repo, now);
    for (const u of untouched) {
      if (u.fails) {
        failing++;
        process.stderr.write(`leakhound: baseline entry ${u.key} (not in the new commits, still in history) fails the run: ${u.class}: ${u.reason}\n`);
      } else byClass[u.class] = (byClass[u.class] ?? 0) + 1;
    }
    const hist = untouched.filter((u) => b.entries[u.key]?.status === 'history-only' && u.class !== 'rotated' && u.class !== 'false-positive');
    process.stderr.write(
      `leakhound: ${untouched.length} known baseline entr${untouched.length === 1 ? 'y' : 'ies'} not in the new commits were taken from the baseline` +
        (hist.length ? `; ${hist.length} history-only and not rotated (leakhound baseline status lists them)` : '') +
        '\n',
    );
  }
  const suppressed: Record<string, number> = {};
  for (const [k, v] of Object.entries(byClass)) if (v > 0) suppressed[k] = v;
  const classes = new Map(c.items.map((i) => [i.finding.fingerprint, `${i.class}${i.fails ? ' (fails the run)' : ''}: ${i.reason}`]));
  return { reported: findings, failing, suppressed, keys, classes };
}
