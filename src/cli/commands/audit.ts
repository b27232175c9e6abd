// `leakhound audit [repo]`: the full-history audit.
import type { Argv, Options } from 'yargs';
import { LeakhoundError } from '../../errors/index.js';
import { runAudit, type AuditOptions } from '../../pipeline/audit.js';
import { applyBaseline, planBaselineAudit } from '../baseline-gate.js';
import { progressLine } from '../progress.js';
import { VERIFY_OPTIONS, prepareVerifyStep } from '../verify-options.js';
import { EXIT, EXIT_CODES_HELP, RULE_OPTIONS, colorFor, emit, loadRulesFromArgs, outputOptionSpec, render, sizeArg } from '../shared.js';

export const command = 'audit [repo]';
export const describe = 'Scan the whole history of a repository (every commit of every ref): each secret once, with where it came in and went out';

/** The options, as data: yargs takes them, and the fast path (../fast-args.ts) parses plain runs without yargs. */
export const options = {
  ...RULE_OPTIONS,
  ...outputOptionSpec(['text', 'json', 'jsonl']),
  ...VERIFY_OPTIONS,
  ref: { alias: 'branch', type: 'string', array: true, describe: 'Scan only these refs (branch, tag, full ref name or commit); default: every ref' },
  'since-commit': { type: 'string', describe: 'Scan only commits not reachable from this one' },
  range: { type: 'string', describe: 'A..B: commits reachable from B and not from A' },
  unreachable: { type: 'boolean', default: false, describe: 'Also scan objects no ref reaches (dangling commits and blobs after a rebase, amend or rewrite)' },
  'max-file-size': { type: 'string', describe: 'Skip blobs larger than this (e.g. 10MB); skipped blobs are counted' },
  'pack-memory': { type: 'string', describe: 'Memory for holding pack files whole during a full-history audit (e.g. 512MB; 0: read them through small caches). Default: a quarter of the memory available, at most 2GB; ranges use the caches' },
  messages: { type: 'boolean', default: true, describe: 'Scan commit and tag messages (--no-messages to skip)' },
  'inline-allow': { type: 'boolean', default: true, describe: 'Honour inline allow comments' },
  baseline: { type: 'string', describe: 'Baseline file: findings already in it do not fail the run, except expired acceptances and rotation regressions; walks only commits newer than the ref tips it recorded (default: .leakhound-baseline.json if present)' },
  full: { type: 'boolean', default: false, describe: 'With a baseline: audit all history instead of only the commits it has not seen' },
  threads: { type: 'number', describe: 'Matcher threads (default: one per core but one, the walk has the main thread; 0 = main thread)' },
  progress: { type: 'boolean', default: true, describe: 'Progress line on stderr when it is a terminal' },
} as const satisfies Record<string, Options>;

/** The positional argument and its default. */
export const positional = { name: 'repo', default: '.' } as const;

export function builder(y: Argv) {
  return y
    .options(options)
    .positional(positional.name, { type: 'string', default: positional.default, describe: 'Repository (work tree, .git dir, bare repo or linked worktree)' })
    .example('$0 audit', 'Audit the repository in the current directory')
    .example('$0 audit ../other --format json -o audit.json', 'Grouped findings as JSON')
    .example('$0 audit --range origin/main..HEAD', 'Only what a branch adds')
    .epilog(EXIT_CODES_HELP + ' Missing or corrupt objects: the audit scans the rest, lists them and exits 2.');
}

export async function handler(argv: Record<string, unknown>): Promise<number> {
  const repo = argv.repo as string;
  const loaded = loadRulesFromArgs(argv, repo);
  const verify = prepareVerifyStep(argv, loaded.rules);
  const o: AuditOptions = { repo, unreachable: argv.unreachable === true, messages: argv.messages !== false, inlineAllow: argv.inlineAllow !== false };
  const max = sizeArg(argv.maxFileSize, '--max-file-size') ?? loaded.config.maxFileSize;
  if (max !== undefined) o.maxFileSize = max;
  const packMemory = sizeArg(argv.packMemory, '--pack-memory');
  if (packMemory !== undefined) o.packMemory = packMemory;
  if (typeof argv.threads === 'number') o.threads = argv.threads;
  const refs = (argv.ref as string[] | undefined) ?? [];
  const exclude: string[] = [];
  if (typeof argv.range === 'string') {
    const m = /^(.+?)\.\.(.+)$/.exec(argv.range);
    if (!m) throw new LeakhoundError('E_USAGE', `--range must look like A..B, got '${argv.range}'`);
    exclude.push(m[1]!);
    refs.push(m[2]!);
  }
  if (typeof argv.sinceCommit === 'string') exclude.push(argv.sinceCommit);
  if (refs.length) o.refs = refs;
  if (exclude.length) o.exclude = exclude;
  const inc = planBaselineAudit(argv, repo, loaded, o);
  const bar = progressLine(argv.progress !== false);
  o.onProgress = (p) => bar.update(p);
  const res = await runAudit(loaded, o);
  bar.done();
  // A range (--range, --since-commit) asks what those commits add: a secret that was there before the range and is
  // merely kept by an edited file is counted, not reported (as `ci` does for a pull request).
  let preExisting = 0;
  if (exclude.length) {
    const before = res.findings.length;
    res.findings = res.findings.filter((f) => f.introducedIn.length > 0);
    preExisting = before - res.findings.length;
  }
  await verify(res.findings);
  if (res.shallow)
    process.stderr.write('leakhound: warning: this is a shallow clone: history is truncated, so older secrets cannot be found. Deepen it with `git fetch --unshallow` (or `fetch-depth: 0` in GitHub Actions).\n');
  const gate = await applyBaseline(argv, repo, res.findings, new Date(), inc);
  const remediation = new Map(loaded.rules.map((r) => [r.id, r.remediation]));
  const byStatus = { present: 0, 'history-only': 0, unreachable: 0 };
  for (const f of res.findings) byStatus[f.status]++;
  const s = res.stats;
  const stats: Record<string, number | string> = {
    commits: s.commits,
    'unique blobs': s.blobs,
    MB: (s.bytes / 1e6).toFixed(1),
    seconds: (s.ms / 1000).toFixed(2),
    present: byStatus.present,
    'history-only': byStatus['history-only'],
    unreachable: byStatus.unreachable,
    'binary skipped': s.binary,
    'too large skipped': s.tooLarge,
  };
  if (preExisting) stats['older secrets kept in the range (not reported)'] = preExisting;
  if (s.lfsPointers) stats['LFS pointers'] = s.lfsPointers;
  if (s.submodules) stats['submodule entries skipped'] = s.submodules;
  if (res.errors.length) stats['object errors'] = res.errors.length;
  const reportOpts: Parameters<typeof render>[2] = { showSecrets: argv.redact === false, color: colorFor(argv), remediation, stats };
  if (gate) {
    reportOpts.suppressed = gate.suppressed;
    reportOpts.keys = gate.keys;
    reportOpts.classes = gate.classes;
    reportOpts.failing = gate.failing;
  }
  emit(render(argv.format as string, gate ? gate.reported : res.findings, reportOpts), argv.output as string | undefined);
  for (const e of res.errors.slice(0, 20)) process.stderr.write(`leakhound: error: ${e.message}\n`);
  if (res.errors.length > 20) process.stderr.write(`leakhound: … and ${res.errors.length - 20} more object errors\n`);
  if (res.errors.length) {
    process.stderr.write(`leakhound: ${res.errors.length} missing or corrupt object(s); the rest of history was scanned.\n`);
    return EXIT.ERROR;
  }
  const failing = gate ? gate.failing : res.findings.length;
  return failing ? EXIT.FINDINGS : EXIT.CLEAN;
}
