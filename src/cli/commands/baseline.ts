// `leakhound baseline <action>`: create, update, status, triage (accept / false-positive / mark-rotated / reopen),
// prune, import and the git merge driver of `.leakhound-baseline.json`. Thin wrappers over src/baseline (the file)
// and src/pipeline/incremental (the audits that feed it).
// May import: everything below cli.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import {
  type Baseline,
  type BaselineEntry,
  type EntryRef,
  DEFAULT_BASELINE_FILE,
  accept,
  acquireLock,
  createBaseline,
  importForeign,
  load,
  markFalsePositive,
  markRotated,
  prune,
  reopen,
  runMergeDriver,
  save,
  status,
  update,
} from '../../baseline/index.js';
import { LeakhoundError } from '../../errors/index.js';
import type { AuditOptions } from '../../pipeline/audit.js';
import { auditIntoBaseline, type BaselineAudit } from '../../pipeline/incremental.js';
import { discoverRepository } from '../../sources/git/index.js';
import { progressLine } from '../progress.js';
import { EXIT, loadRulesFromArgs, ruleOptions, sizeArg } from '../shared.js';

export const ACTIONS = ['create', 'update', 'status', 'accept', 'false-positive', 'mark-rotated', 'reopen', 'prune', 'import', 'merge-driver'] as const;
type Action = (typeof ACTIONS)[number];

export const command = 'baseline <action> [args..]';
export const describe = 'The baseline ledger (.leakhound-baseline.json): record known leaks, triage them, block only new ones';

const ACTIONS_HELP = `Actions:
  create              audit all history, write the baseline (an existing one: --force starts over)
  update              audit + merge: new findings added, metadata refreshed, triage kept; incremental
                      (only commits newer than the recorded ref tips) unless a recorded tip was
                      rewritten (force-push), rules or settings changed, or --full
  status              counts; history-only secrets not rotated; unused suppressions; expired
                      acceptances; verified-live secrets (--format json, --check)
  accept KEY          --reason R [--expires YYYY-MM-DD] [--by WHO]; fails again after expiry
  false-positive KEY  --reason R [--by WHO]
  mark-rotated KEY    [--at DATE] [--by WHO]; fails again if introduced after that date
  reopen KEY          back to untriaged
  prune               full audit, then drop entries found nowhere in history (--dry-run)
  import FILE         gitleaks JSON report, .gitleaksignore or detect-secrets .secrets.baseline:
                      audit, keep their triage decisions where they match, list what did not
  merge-driver O A B  git merge driver (README: .gitattributes merge=leakhound + git config)
KEY: the fingerprint reports print (rule:16hex), a unique prefix of it, or >= 4 hex of the hash.`;

const EXIT_HELP =
  'Exit codes: 0 done; 1 only from `status --check` when entries need attention (untriaged, expired acceptance, ' +
  'verified valid and not rotated); 2 usage error, baseline missing / corrupt / foreign / newer (never overwritten), ' +
  'locked by another writer, unknown KEY, or missing git objects (nothing written).';

export function builder(y: Argv) {
  return ruleOptions(y)
    .usage(`$0 baseline <action> [args..] [options]\n\n${ACTIONS_HELP}`)
    .positional('action', { choices: ACTIONS, describe: 'What to do (see above)' })
    .positional('args', { type: 'string', array: true, describe: 'KEY, FILE, or %O %A %B for merge-driver' })
    .option('repo', { type: 'string', default: '.', describe: 'Repository (default: the current directory)' })
    .option('baseline', { alias: 'b', type: 'string', describe: 'Baseline file (default: .leakhound-baseline.json at the repository root)' })
    .option('force', { type: 'boolean', default: false, describe: 'create: replace an existing baseline (its triage is lost)' })
    .option('full', { type: 'boolean', default: false, describe: 'update: audit all history even if an incremental audit is possible' })
    .option('reason', { type: 'string', describe: 'accept / false-positive / mark-rotated: why' })
    .option('expires', { type: 'string', describe: 'accept: YYYY-MM-DD (valid through that UTC day) or an ISO 8601 time' })
    .option('by', { type: 'string', describe: 'Who decides (default: git config user.email, else $USER)' })
    .option('at', { type: 'string', describe: 'mark-rotated: when it was rotated (default: now)' })
    .option('format', { alias: 'f', choices: ['text', 'json'], default: 'text', describe: 'status: report format' })
    .option('check', { type: 'boolean', default: false, describe: 'status: exit 1 if entries need attention' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'prune: print what would be dropped, write nothing' })
    .option('unreachable', { type: 'boolean', describe: 'Also audit objects no ref reaches (default: as the baseline recorded; create: no)' })
    .option('messages', { type: 'boolean', describe: 'Audit commit and tag messages (default: as recorded; create: yes)' })
    .option('inline-allow', { type: 'boolean', describe: 'Honour inline allow comments (default: as recorded; create: yes)' })
    .option('max-file-size', { type: 'string', describe: 'Skip blobs larger than this (e.g. 10MB)' })
    .option('threads', { type: 'number', describe: 'Matcher threads (default: one per core but one, the walk has the main thread; 0 = main thread)' })
    .option('progress', { type: 'boolean', default: true, describe: 'Progress line on stderr when it is a terminal' })
    .example('$0 baseline create', 'Record the leaks the repository already has; commit the file')
    .example('$0 baseline accept aws.secret-key:425ecb89 --reason "test fixture" --expires 2026-06-30', 'Allow one, for a while')
    .example('$0 baseline status --check', 'CI: fail while untriaged entries or expired acceptances remain')
    .example('$0 audit --baseline .leakhound-baseline.json', 'Fail only on new leaks (incremental)')
    .epilog(EXIT_HELP);
}

const out = (s: string): void => {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
};
const note = (s: string): void => {
  process.stderr.write(`leakhound: ${s}\n`);
};

interface Where {
  repo: string;
  root: string;
  file: string;
}

function locate(argv: Record<string, unknown>): Where {
  const repo = typeof argv.repo === 'string' ? argv.repo : '.';
  let root = resolve(repo);
  try {
    const r = discoverRepository(root, { env: process.env });
    root = r.workTree ?? r.gitDir;
  } catch {
    /* not a repository: triage actions still work on an explicit or local file */
  }
  const file = typeof argv.baseline === 'string' ? argv.baseline : join(root, DEFAULT_BASELINE_FILE);
  return { repo, root, file };
}

function whoAmI(root: string): string {
  try {
    const email = execFileSync('git', ['config', 'user.email'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (email) return email;
  } catch {
    /* no git or not configured */
  }
  return process.env.USER || process.env.USERNAME || userInfo().username;
}

function keyArg(argv: Record<string, unknown>, action: string): string {
  const args = (argv.args as string[] | undefined) ?? [];
  if (args.length !== 1 || !args[0]) throw new LeakhoundError('E_USAGE', `baseline ${action} takes one KEY (the fingerprint a report prints)`);
  return args[0];
}

function noArgs(argv: Record<string, unknown>, action: string): void {
  const args = (argv.args as string[] | undefined) ?? [];
  if (args.length) throw new LeakhoundError('E_USAGE', `baseline ${action} takes no arguments (got ${args.length})`);
}

/** Audit options from the command line, defaulting to what the baseline recorded. */
function auditOptions(argv: Record<string, unknown>, repo: string, recorded: Baseline['scanned'], maxFromConfig: number | undefined): AuditOptions {
  const pick = (flag: unknown, key: string, dflt: boolean): boolean =>
    typeof flag === 'boolean' ? flag : typeof recorded[key] === 'boolean' ? (recorded[key] as boolean) : dflt;
  const o: AuditOptions = {
    repo,
    unreachable: pick(argv.unreachable, 'unreachable', false),
    messages: pick(argv.messages, 'messages', true),
    inlineAllow: pick(argv.inlineAllow, 'inlineAllow', true),
  };
  const max = sizeArg(argv.maxFileSize, '--max-file-size') ?? maxFromConfig ?? (typeof recorded['maxFileSize'] === 'number' ? recorded['maxFileSize'] : undefined);
  if (max !== undefined) o.maxFileSize = max;
  if (typeof argv.threads === 'number') o.threads = argv.threads;
  return o;
}

async function runBaselineAudit(argv: Record<string, unknown>, w: Where, b: Baseline, opts: { full: boolean | string; hints?: Parameters<typeof auditIntoBaseline>[3]['hints'] }): Promise<BaselineAudit> {
  const loaded = loadRulesFromArgs(argv, w.root);
  const o = auditOptions(argv, w.repo, b.scanned, loaded.config.maxFileSize);
  const bar = progressLine(argv.progress !== false);
  o.onProgress = (p) => bar.update(p);
  const io: Parameters<typeof auditIntoBaseline>[3] = { now: new Date(), full: opts.full };
  if (opts.hints) io.hints = opts.hints;
  try {
    const r = await auditIntoBaseline(loaded, o, b, io);
    bar.done();
    note(`${r.plan.incremental ? 'incremental audit' : 'full audit'}: ${r.plan.reason} (${r.audit.stats.commits} commit(s) walked)`);
    if (r.audit.shallow) note('warning: this is a shallow clone: history is truncated, older secrets cannot be found (git fetch --unshallow).');
    return r;
  } catch (e) {
    bar.done();
    throw e;
  }
}

function firstPlace(e: BaselineEntry): string {
  const o = e.occurrences[0];
  if (!o) return '';
  return `${o.path}:${o.line}${o.commit ? ` (commit ${o.commit.slice(0, 12)})` : ''}`;
}

function entryLine(key: string, e: BaselineEntry): string {
  const t = e.triage;
  const tri =
    t.state === 'accepted'
      ? `accepted by ${t.by}${t.expires ? ` until ${t.expires}` : ''}`
      : t.state === 'rotated'
        ? `rotated ${t.at.slice(0, 10)}`
        : t.state;
  return `  ${key}  ${e.status}  ${tri}  ${firstPlace(e)}`.trimEnd();
}

function summary(b: Baseline): string {
  const s = status(b, new Date());
  return `${s.total} entr${s.total === 1 ? 'y' : 'ies'} (${s.byStatus.present} present, ${s.byStatus['history-only']} history-only, ${s.byStatus.unreachable} unreachable)`;
}

function explainLoadError(e: unknown, file: string): never {
  if (e instanceof LeakhoundError && e.code === 'E_BASELINE_NOT_FOUND')
    throw new LeakhoundError('E_BASELINE_NOT_FOUND', `${file}: no baseline here; create one with \`leakhound baseline create\``, { file });
  throw e;
}

// ---------------------------------------------------------------------------------------------------------------

async function create(argv: Record<string, unknown>, w: Where): Promise<number> {
  noArgs(argv, 'create');
  if (existsSync(w.file) && argv.force !== true)
    throw new LeakhoundError('E_USAGE', `${w.file} already exists; use \`leakhound baseline update\`, or --force to start over (its triage decisions are lost)`, { file: w.file });
  const lock = acquireLock(w.file);
  try {
    if (existsSync(w.file)) load(w.file); // a corrupt or foreign file is an error and is never replaced
    const r = await runBaselineAudit(argv, w, createBaseline(), { full: 'a new baseline' });
    save(w.file, r.merged.baseline, { lock });
    out(`created ${w.file}: ${summary(r.merged.baseline)}`);
    for (const k of r.merged.added) out(entryLine(k, r.merged.baseline.entries[k]!));
    out('Commit it. Then: leakhound baseline status; leakhound baseline accept KEY --reason "..."; leakhound audit fails only on new leaks.');
    return EXIT.CLEAN;
  } finally {
    lock.release();
  }
}

async function updateCmd(argv: Record<string, unknown>, w: Where): Promise<number> {
  noArgs(argv, 'update');
  let res;
  try {
    res = await update(w.file, async (cur) => {
      const r = await runBaselineAudit(argv, w, cur, { full: argv.full === true });
      return { baseline: r.merged.baseline, r };
    });
  } catch (e) {
    explainLoadError(e, w.file);
  }
  const { r } = res;
  const b = r.merged.baseline;
  out(`${res.written ? 'updated' : 'unchanged'} ${w.file}: ${summary(b)}; ${r.merged.added.length} new, ${r.changed.length - r.merged.added.length} refreshed`);
  for (const k of r.merged.added) out(entryLine(k, b.entries[k]!));
  return EXIT.CLEAN;
}

function refJson(r: EntryRef): Record<string, unknown> {
  const e = r.entry;
  return { key: r.key, ruleId: e.ruleId, status: e.status, found: e.found, triage: e.triage, occurrenceCount: e.occurrenceCount, occurrences: e.occurrences, introducedIn: e.introducedIn, removedIn: e.removedIn, atTips: e.atTips, ...(e.verification ? { verification: e.verification } : {}) };
}

function statusCmd(argv: Record<string, unknown>, w: Where): number {
  noArgs(argv, 'status');
  let b: Baseline;
  try {
    b = load(w.file);
  } catch (e) {
    explainLoadError(e, w.file);
  }
  const s = status(b, new Date());
  const attention = s.byTriage.open + s.expiredAcceptances.length + s.verifiedValid.length;
  if (argv.format === 'json') {
    out(
      JSON.stringify(
        {
          file: w.file,
          total: s.total,
          byStatus: s.byStatus,
          byTriage: s.byTriage,
          seenTips: b.seenTips,
          historyOnlyNotRotated: s.historyOnlyNotRotated.map(refJson),
          unusedSuppressions: s.unusedSuppressions.map(refJson),
          expiredAcceptances: s.expiredAcceptances.map(refJson),
          verifiedValid: s.verifiedValid.map(refJson),
          notFound: s.notFound.map(refJson),
          needsAttention: attention,
        },
        null,
        2,
      ),
    );
  } else {
    const lines: string[] = [];
    lines.push(`baseline ${w.file}: ${summary(b)}`);
    lines.push(`triage: ${s.byTriage.open} open, ${s.byTriage.accepted} accepted, ${s.byTriage['false-positive']} false-positive, ${s.byTriage.rotated} rotated`);
    lines.push(`seen ref tips: ${Object.keys(b.seenTips).length}`);
    const section = (title: string, refs: EntryRef[]): void => {
      if (!refs.length) return;
      lines.push('', `${title} (${refs.length}):`);
      for (const r of refs) lines.push(entryLine(r.key, r.entry));
    };
    section('history-only, NOT rotated: deleted from every branch but still in history, still usable by anyone with a clone; rotate, then `baseline mark-rotated KEY`', s.historyOnlyNotRotated);
    section('verified valid (live) and not rotated', s.verifiedValid);
    section('expired acceptances (they fail runs again: re-accept or fix)', s.expiredAcceptances);
    section('unused suppressions (accepted / false-positive, secret no longer found anywhere)', s.unusedSuppressions);
    section('not found by the last full audit (`baseline prune` drops them)', s.notFound.filter((r) => !s.unusedSuppressions.includes(r)));
    const open = Object.entries(b.entries).filter(([, e]) => e.triage.state === 'open' && e.status === 'present');
    section('open, still present at a branch tip', open.map(([key, entry]) => ({ key, entry })));
    out(lines.join('\n'));
  }
  return argv.check === true && attention > 0 ? EXIT.FINDINGS : EXIT.CLEAN;
}

async function triage(argv: Record<string, unknown>, w: Where, action: Action): Promise<number> {
  const input = keyArg(argv, action);
  const by = typeof argv.by === 'string' ? argv.by : whoAmI(w.root);
  const reason = typeof argv.reason === 'string' ? argv.reason : undefined;
  if ((action === 'accept' || action === 'false-positive') && (reason === undefined || reason.trim() === ''))
    throw new LeakhoundError('E_USAGE', `baseline ${action} needs --reason "..." (it is recorded for whoever reads the baseline next)`);
  if (action !== 'accept' && argv.expires !== undefined) throw new LeakhoundError('E_USAGE', '--expires goes with accept');
  if (action !== 'mark-rotated' && argv.at !== undefined) throw new LeakhoundError('E_USAGE', '--at goes with mark-rotated');
  let at: Date | undefined;
  if (typeof argv.at === 'string') {
    const t = Date.parse(argv.at);
    if (Number.isNaN(t)) throw new LeakhoundError('E_USAGE', `--at must be a date (YYYY-MM-DD or ISO 8601), got "${argv.at}"`);
    at = new Date(t);
  }
  let res;
  try {
    res = await update(w.file, (cur) => {
      switch (action) {
        case 'accept': {
          const o: Parameters<typeof accept>[2] = { reason: reason ?? '', by };
          if (typeof argv.expires === 'string') o.expires = argv.expires;
          return accept(cur, input, o);
        }
        case 'false-positive':
          return markFalsePositive(cur, input, { reason: reason ?? '', by });
        case 'mark-rotated': {
          const o: Parameters<typeof markRotated>[2] = { by };
          if (at) o.at = at;
          if (reason) o.reason = reason;
          return markRotated(cur, input, o);
        }
        default:
          return reopen(cur, input);
      }
    });
  } catch (e) {
    explainLoadError(e, w.file);
  }
  const e = res.baseline.entries[res.key]!;
  out(`${res.key}: ${res.previous.state} -> ${e.triage.state}`);
  out(entryLine(res.key, e));
  return EXIT.CLEAN;
}

async function pruneCmd(argv: Record<string, unknown>, w: Where): Promise<number> {
  noArgs(argv, 'prune');
  const run = async (cur: Baseline): Promise<{ baseline: Baseline; removed: string[]; before: Baseline }> => {
    const r = await runBaselineAudit(argv, w, cur, { full: 'prune needs all of history' });
    return { ...prune(r.merged.baseline), before: r.merged.baseline };
  };
  let res: { baseline: Baseline; removed: string[]; before: Baseline };
  try {
    if (argv.dryRun === true) res = await run(load(w.file));
    else res = await update(w.file, run);
  } catch (e) {
    explainLoadError(e, w.file);
  }
  const verb = argv.dryRun === true ? 'would drop' : 'dropped';
  out(`${verb} ${res.removed.length} entr${res.removed.length === 1 ? 'y' : 'ies'} whose secret is no longer found anywhere in history${res.removed.length ? ':' : ''}`);
  for (const k of res.removed) out(entryLine(k, res.before.entries[k]!));
  return EXIT.CLEAN;
}

async function importCmd(argv: Record<string, unknown>, w: Where): Promise<number> {
  const args = (argv.args as string[] | undefined) ?? [];
  if (args.length !== 1 || !args[0]) throw new LeakhoundError('E_USAGE', 'baseline import takes one FILE (gitleaks report, .gitleaksignore or detect-secrets .secrets.baseline)');
  const fi = importForeign(args[0]);
  for (const warn of fi.warnings) note(`warning: ${warn}`);
  const res = await update(
    w.file,
    async (cur) => {
      const r = await runBaselineAudit(argv, w, cur, { full: 'import matches hints against all of history', hints: fi.hints });
      return { baseline: r.merged.baseline, r };
    },
    { create: true },
  );
  const m = res.r.merged;
  const set = m.hints.applied.filter((h) => h.result === 'set');
  const kept = m.hints.applied.filter((h) => h.result === 'kept');
  out(`imported ${fi.kind} ${fi.file} into ${w.file}: ${fi.hints.length} item(s), ${set.length} decision(s) applied, ${kept.length} matched (existing decision kept), ${m.hints.unmatched.length} unmatched; ${summary(m.baseline)}`);
  for (const h of set) out(`  ${h.key}: ${h.hint.triage.state} (from ${h.hint.origin})`);
  if (m.hints.unmatched.length) {
    out('unmatched (no finding of this audit has that secret or position):');
    for (const h of m.hints.unmatched) {
      const where = h.position ? ` ${h.position.path}${h.position.line !== undefined ? `:${h.position.line}` : ''}` : '';
      out(`  ${h.origin}${h.foreignRule ? ` [${h.foreignRule}]` : ''}${where}`);
    }
  }
  return EXIT.CLEAN;
}

function mergeDriver(argv: Record<string, unknown>): number {
  const args = (argv.args as string[] | undefined) ?? [];
  if (args.length !== 3) throw new LeakhoundError('E_USAGE', 'baseline merge-driver takes %O %A %B (base, ours, theirs), as git passes them');
  const [o, a, b] = args as [string, string, string];
  for (const n of runMergeDriver(o, a, b)) note(`baseline merge: ${n}`);
  return EXIT.CLEAN;
}

export async function handler(argv: Record<string, unknown>): Promise<number> {
  const action = argv.action as Action;
  if (action === 'merge-driver') return mergeDriver(argv);
  const w = locate(argv);
  switch (action) {
    case 'create':
      return create(argv, w);
    case 'update':
      return updateCmd(argv, w);
    case 'status':
      return statusCmd(argv, w);
    case 'prune':
      return pruneCmd(argv, w);
    case 'import':
      return importCmd(argv, w);
    default:
      return triage(argv, w, action);
  }
}
