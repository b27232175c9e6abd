// `leakhound ci`: the CI job. Detects GitHub Actions / GitLab CI, scans what the pull/merge request or push adds
// (the whole history elsewhere or with --full), annotates where reviewers look, and fails only on what --fail-on says
// (default: findings new with respect to the baseline). A shallow clone lacking the base is exit 2 with the fix.
import { appendFileSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import type { Finding } from '../../types/index.js';
import { EXIT, colorFor, emit, loadRulesFromArgs, outputOptions, render, ruleOptions, sizeArg } from '../shared.js';
import { PACKAGE_ROOT } from '../../rules/load.js';

export const command = 'ci';
export const describe = 'CI job: scan what a pull/merge request or push adds (GitHub Actions, GitLab CI), annotate, fail on new leaks';

const FORMATS = ['text', 'json', 'jsonl', 'sarif', 'github', 'gitlab'];

export function builder(y: Argv) {
  return outputOptions(ruleOptions(y), FORMATS)
    .option('format', { alias: 'f', choices: FORMATS, describe: 'Report format (default: github on GitHub Actions, text elsewhere)' })
    .option('repo', { type: 'string', default: '.', describe: 'Repository' })
    .option('full', { type: 'boolean', default: false, describe: 'Scan the whole history, not just the request / push range' })
    .option('base', { type: 'string', describe: 'Scan only commits not reachable from this one (overrides detection)' })
    .option('head', { type: 'string', describe: 'With --base: the last commit to scan (default HEAD)' })
    .option('baseline', { alias: 'b', type: 'string', describe: 'Baseline file (default: .leakhound-baseline.json at the repository root, if present)' })
    .option('fail-on', { choices: ['any', 'new', 'verified'], default: 'new', describe: 'What fails the job: any finding, findings new w.r.t. the baseline, or only credentials verified live (needs --verify)' })
    .option('verify', { type: 'boolean', default: false, describe: 'Check whether found credentials are live (contacts each provider; off by default)' })
    .option('summary', { type: 'boolean', default: true, describe: 'On GitHub Actions, append a Markdown table to $GITHUB_STEP_SUMMARY' })
    .option('max-file-size', { type: 'string', describe: 'Skip blobs larger than this (e.g. 10MB)' })
    .option('inline-allow', { type: 'boolean', default: true, describe: 'Honour inline allow comments' })
    .option('threads', { type: 'number', describe: 'Matcher threads (default: one per core but one, the walk has the main thread; 0 = main thread)' })
    .example('$0 ci', 'In a GitHub Actions or GitLab CI job')
    .example('$0 ci --format sarif -o leakhound.sarif', 'SARIF for github/codeql-action/upload-sarif')
    .example('$0 ci --format gitlab -o gl-secret-detection-report.json', 'GitLab secret-detection report')
    .epilog('Exit codes: 0 nothing that fails (see --fail-on), 1 findings that fail, 2 usage or input error (including a clone too shallow to hold the range).');
}

export async function handler(argv: Record<string, unknown>): Promise<number> {
  const env = process.env;
  const { detectTarget, runCi } = await import('../../pipeline/ci.js');
  const repo = argv.repo as string;
  const target = detectTarget(env, { ...(typeof argv.base === 'string' ? { base: argv.base } : {}), ...(typeof argv.head === 'string' ? { head: argv.head } : {}), full: argv.full === true });
  // outputOptions gives --format a default of text; here the default depends on the platform.
  const explicitFormat = process.argv.some((a) => a === '-f' || a === '--format' || a.startsWith('--format='));
  const format = explicitFormat ? (argv.format as string) : target.platform === 'github' ? 'github' : 'text';
  process.stderr.write(`leakhound: scanning ${target.description}\n`);
  const loaded = loadRulesFromArgs(argv, repo);
  const audit: NonNullable<Parameters<typeof runCi>[1]['audit']> = { inlineAllow: argv.inlineAllow !== false, messages: true };
  const max = sizeArg(argv.maxFileSize, '--max-file-size') ?? loaded.config.maxFileSize;
  if (max !== undefined) audit.maxFileSize = max;
  if (typeof argv.threads === 'number') audit.threads = argv.threads;
  const res = await runCi(loaded, { repo, target, audit });
  if (res.audit.shallow && target.mode === 'full') process.stderr.write('leakhound: warning: shallow clone: older history is not scanned (fetch-depth: 0 / GIT_DEPTH: 0 to scan all of it)\n');
  if (argv.verify === true) {
    const { runVerifyStep } = await import('../verify-options.js');
    await runVerifyStep(argv, loaded.rules, res.findings);
  }
  const findings: Finding[] = res.findings;
  const { applyBaseline } = await import('../baseline-gate.js');
  const gate = argv.failOn === 'any' ? undefined : await applyBaseline(argv, res.root, findings);
  // What fails the job.
  let failing: Finding[];
  if (argv.failOn === 'verified') {
    if (argv.verify !== true) process.stderr.write('leakhound: warning: --fail-on verified without --verify: nothing is verified, so nothing can fail the job\n');
    failing = findings.filter((f) => f.verification?.status === 'valid');
  }
  else if (gate) {
    const { classify, load } = await import('../../baseline/index.js');
    const { baselinePath } = await import('../baseline-gate.js');
    const c = classify(load(baselinePath(argv, res.root)!), findings, new Date());
    failing = c.failing.map((i) => i.finding);
  } else failing = findings;
  const version = (JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string }).version;
  const epoch = env.SOURCE_DATE_EPOCH;
  const now = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000).toISOString() : new Date().toISOString();
  const o: import('../../report/ci-common.js').CiReportOptions = {
    showSecrets: argv.redact === false,
    color: colorFor(argv),
    remediation: new Map(loaded.rules.map((r) => [r.id, r.remediation])),
    rules: new Map(loaded.rules.map((r) => [r.id, r])),
    toolVersion: version,
    now,
    failingSet: new Set(failing.map((f) => f.fingerprint)),
  };
  if (gate) {
    o.keys = gate.keys;
    o.classes = gate.classes;
    o.suppressed = gate.suppressed;
    o.failing = failing.length;
  }
  const output = argv.output as string | undefined;
  const onGithub = target.platform === 'github';
  const gh = onGithub || format === 'github' ? await import('../../report/github.js') : undefined;
  // --no-redact: mask every secret in the job log before anything could print it.
  if (gh && o.showSecrets && format !== 'github') process.stdout.write(findings.flatMap((f) => f.secret.split(/\s+/).filter(Boolean).map((w) => `::add-mask::${gh.escapeData(w)}\n`)).join(''));
  let text: string;
  switch (format) {
    case 'sarif':
      text = (await import('../../report/sarif.js')).formatSarif(findings, o);
      break;
    case 'gitlab': {
      const gl = await import('../../report/gitlab.js');
      text = gl.formatGitlab(findings, o);
      process.stderr.write(gl.formatGitlabLog(findings, o));
      break;
    }
    case 'github':
      text = gh!.formatGithub(findings, o);
      break;
    default:
      text = render(format, findings, o);
  }
  emit(text, output);
  // On GitHub, annotate even when the report goes to a file (SARIF, JSON): reviewers look at the annotations.
  if (onGithub && format !== 'github') process.stderr.write(gh!.formatGithub(findings, { ...o, showSecrets: false }));
  if (onGithub && argv.summary !== false && env.GITHUB_STEP_SUMMARY) {
    try {
      appendFileSync(env.GITHUB_STEP_SUMMARY, gh!.formatGithubSummary(findings, { ...o, title: `leakhound: ${target.description}` }));
    } catch (e) {
      process.stderr.write(`leakhound: warning: cannot write the step summary: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    }
  }
  process.stderr.write(`leakhound: ${findings.length} finding(s) in ${target.description}; ${failing.length} fail the job (--fail-on ${String(argv.failOn)})\n`);
  if (res.audit.errors.length) return EXIT.ERROR;
  return failing.length ? EXIT.FINDINGS : EXIT.CLEAN;
}
