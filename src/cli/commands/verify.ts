// `leakhound verify [repo] [--baseline FILE | --report FILE.json]`: re-verify known findings.
// A baseline holds no secrets (only salted hashes), so `--baseline` re-audits the repository (and scans the working
// tree for what is not in history), recovers the secret of each entry by matching those findings with identify(), verifies those, and records the results in the entries
// (under the baseline lock). A JSON report written with --no-redact holds the secrets and is verified directly; a
// redacted report cannot be verified and we say so.
// Owns: this command. May import: everything below cli.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import {
  DEFAULT_BASELINE_FILE,
  identify,
  load,
  prepareIdentities,
  recordVerifications,
  resolveKey,
  update,
} from '../../baseline/index.js';
import { LeakhoundError } from '../../errors/index.js';
import { runAudit } from '../../pipeline/audit.js';
import { runScan } from '../../pipeline/scan.js';
import type { Finding, RuleSpec, VerificationResult } from '../../types/index.js';
import { progressLine } from '../progress.js';
import { EXIT, colorFor, emit, loadRulesFromArgs, outputOptions, render, ruleOptions } from '../shared.js';
import { prepareVerifyStep, verifiedValid, verifyOptions } from '../verify-options.js';

export const command = 'verify [repo]';
export const describe = 'Check whether the findings of a baseline (re-audits the repository to recover the secrets) or of an unredacted JSON report are live';

export function builder(y: Argv) {
  return verifyOptions(outputOptions(ruleOptions(y), ['text', 'json', 'jsonl']), { withSwitch: false })
    .positional('repo', { type: 'string', default: '.', describe: 'Repository whose history holds the baseline\'s secrets' })
    .option('baseline', { type: 'string', describe: `Baseline file to verify and update (default: ${DEFAULT_BASELINE_FILE} in the repository)` })
    .option('report', { type: 'string', describe: 'A JSON report written with `audit --no-redact --format json`: verify its findings (nothing is re-scanned)' })
    .conflicts('baseline', 'report')
    .option('entry', { type: 'string', array: true, describe: 'Only these baseline entries (keys or unique key prefixes)' })
    .option('write', { type: 'boolean', default: true, describe: 'Record the results in the baseline (--no-write only prints them)' })
    .option('work-tree', { type: 'boolean', default: true, describe: 'Also look in the working tree (as `scan` does) for entries whose secret is not in history' })
    .option('unreachable', { type: 'boolean', describe: 'Also look for secrets in objects no ref reaches (default: as the baseline was scanned)' })
    .option('threads', { type: 'number', describe: 'Matcher threads for the re-audit (default: one per core but one; 0 = main thread)' })
    .option('progress', { type: 'boolean', default: true, describe: 'Progress line on stderr when it is a terminal' })
    .example('$0 verify', `Re-verify every entry of ${DEFAULT_BASELINE_FILE} and record the results in it`)
    .example('$0 verify --verify-dry-run', 'List the endpoints that would be contacted; send nothing')
    .example('$0 verify --report audit.json', 'Verify an unredacted JSON report (keep such files private)')
    .epilog('Exit codes: 0 no finding verified live, 1 at least one verified live (valid), 2 usage or input error.');
}

const err = (line: string): void => void process.stderr.write(`leakhound: ${line}\n`);

export async function handler(argv: Record<string, unknown>): Promise<number> {
  const repo = argv.repo as string;
  if (typeof argv.report === 'string') return verifyReport(argv, argv.report);
  const path = typeof argv.baseline === 'string' ? argv.baseline : join(repo, DEFAULT_BASELINE_FILE);
  if (!existsSync(path)) {
    throw new LeakhoundError(
      'E_BASELINE_NOT_FOUND',
      typeof argv.baseline === 'string'
        ? `baseline file not found: ${path}`
        : `nothing to verify: no ${DEFAULT_BASELINE_FILE} in ${repo}; pass --baseline FILE or --report FILE.json`,
    );
  }
  return verifyBaseline(argv, repo, path);
}

async function verifyBaseline(argv: Record<string, unknown>, repo: string, path: string): Promise<number> {
  const b = load(path);
  const loaded = loadRulesFromArgs(argv, repo);
  const wanted = Array.isArray(argv.entry) ? new Set((argv.entry as string[]).map((k) => resolveKey(b, k))) : undefined;
  const entryKeys = wanted ?? new Set(Object.keys(b.entries));
  if (entryKeys.size === 0) {
    err(`${path} has no entries: nothing to verify`);
    return EXIT.CLEAN;
  }
  const step = prepareVerifyStep(argv, loaded.rules, { force: true }); // flags checked before the audit

  // Recover the secrets: re-audit and match each finding to an entry by its keyed hash.
  const bar = progressLine(argv.progress !== false);
  const unreachable = typeof argv.unreachable === 'boolean' ? argv.unreachable : b.scanned['unreachable'] === true;
  const audit = await runAudit(loaded, {
    repo,
    unreachable,
    messages: true,
    ...(typeof argv.threads === 'number' ? { threads: argv.threads } : {}),
    onProgress: (p) => bar.update(p),
  });
  bar.done();
  const keyOf = new Map<string, string>(); // fingerprint -> baseline key
  const recovered = new Set<string>();
  const found: Finding[] = [];
  const seen = new Set<string>();
  const matchAll = async (fs: readonly Finding[]): Promise<void> => {
    await prepareIdentities(b, fs.map((f) => f.secret));
    for (const f of fs) {
      if (seen.has(f.fingerprint)) continue;
      seen.add(f.fingerprint);
      found.push(f);
      const id = identify(b, f.ruleId, f.secret);
      if (entryKeys.has(id.key) && b.entries[id.key]?.hash === id.hash) {
        keyOf.set(f.fingerprint, id.key);
        recovered.add(id.key);
      }
    }
  };
  await matchAll(audit.findings);
  // Entries recorded by `scan --baseline` may hold secrets that were never committed: look in the working tree too.
  if (recovered.size < entryKeys.size && argv.workTree !== false && existsSync(join(repo, '.git'))) {
    const ws = await runScan(loaded, {
      paths: [repo],
      exclude: loaded.config.exclude,
      gitignore: true,
      prefilter: true,
      inlineAllow: true,
      ...(typeof argv.threads === 'number' ? { threads: argv.threads } : {}),
    });
    await matchAll(ws.findings);
  }
  const matched = found.filter((f) => keyOf.has(f.fingerprint));
  const lost = [...entryKeys].filter((k) => !recovered.has(k));
  if (lost.length) {
    err(
      `${lost.length} baseline entr${lost.length === 1 ? 'y was' : 'ies were'} not found in the repository, so ${lost.length === 1 ? 'its secret is' : 'their secrets are'} not available and cannot be verified` +
        ` (a baseline stores only salted hashes): ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', …' : ''}`,
    );
  }
  if (audit.errors.length) err(`${audit.errors.length} missing or corrupt object(s) during the re-audit; entries whose secret was only there cannot be verified`);

  const verifyInput = [...matched, ...pairingCandidates(found, matched, keyOf, loaded.rules)];
  const res = await step(verifyInput);
  if (res.dryRun) return EXIT.CLEAN;

  const byKey = new Map<string, VerificationResult>();
  for (const f of matched) {
    const v = res.results.get(f.fingerprint);
    if (v) byKey.set(keyOf.get(f.fingerprint)!, v);
  }
  if (argv.write !== false && byKey.size) {
    const rec = await update(path, (current) => recordVerifications(current, byKey));
    err(`recorded ${byKey.size} verification result${byKey.size === 1 ? '' : 's'} in ${path}${rec.written ? '' : ' (unchanged)'}`);
    for (const k of rec.confirmedRotations) err(`rotation confirmed: ${k} is now rejected by its provider`);
    for (const k of rec.liveButRotated) err(`warning: ${k} is marked rotated but was verified LIVE: the rotation did not take effect`);
  }
  const reportOpts: Parameters<typeof render>[2] = {
    showSecrets: argv.redact === false,
    color: colorFor(argv),
    remediation: new Map(loaded.rules.map((r) => [r.id, r.remediation])),
    keys: keyOf,
    stats: { 'baseline entries': entryKeys.size, recovered: recovered.size, 'not found': lost.length, verified: byKey.size },
  };
  emit(render(argv.format as string, matched, reportOpts), argv.output as string | undefined);
  return verifiedValid(matched).length ? EXIT.FINDINGS : EXIT.CLEAN;
}

/**
 * AWS halves that are not baseline entries but may complete a pair with one: secret access keys and session tokens
 * (they never cause a request on their own; only a key id does). Key ids outside the selection are left out, so no
 * credential outside the baseline is sent anywhere.
 */
function pairingCandidates(all: readonly Finding[], matched: readonly Finding[], keyOf: ReadonlyMap<string, string>, rules: readonly RuleSpec[]): Finding[] {
  const role = new Map<string, string>();
  for (const r of rules) if (r.verify?.kind === 'aws-sts') role.set(r.id, (r.verify as { role: string }).role);
  if (!matched.some((f) => role.has(f.ruleId))) return [];
  return all.filter((f) => !keyOf.has(f.fingerprint) && role.has(f.ruleId) && role.get(f.ruleId) !== 'access-key-id');
}

interface ReportFinding {
  fingerprint?: unknown;
  ruleId?: unknown;
  ruleName?: unknown;
  severity?: unknown;
  secret?: unknown;
  redacted?: unknown;
  entropy?: unknown;
  status?: unknown;
  occurrences?: unknown;
  introducedIn?: unknown;
  removedIn?: unknown;
  atTips?: unknown;
  groups?: unknown;
}

async function verifyReport(argv: Record<string, unknown>, file: string): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LeakhoundError('E_READ', `cannot read report ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let doc: { findings?: unknown };
  try {
    doc = JSON.parse(text) as { findings?: unknown };
  } catch {
    throw new LeakhoundError('E_USAGE', `${file} is not a JSON report (write one with \`leakhound audit --no-redact --format json -o ${file}\`; JSON Lines is not accepted)`);
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.findings)) {
    throw new LeakhoundError('E_USAGE', `${file} is not a leakhound JSON report (no "findings" array)`);
  }
  const items = doc.findings as ReportFinding[];
  const findings: Finding[] = [];
  for (const x of items) {
    if (typeof x?.secret !== 'string' || typeof x.ruleId !== 'string') continue;
    const f: Finding = {
      fingerprint: typeof x.fingerprint === 'string' ? x.fingerprint : `${x.ruleId}:${findings.length}`,
      ruleId: x.ruleId,
      ruleName: typeof x.ruleName === 'string' ? x.ruleName : x.ruleId,
      severity: (typeof x.severity === 'string' ? x.severity : 'high') as Finding['severity'],
      secret: x.secret,
      redacted: typeof x.redacted === 'string' ? x.redacted : '****',
      entropy: typeof x.entropy === 'number' ? x.entropy : 0,
      occurrences: Array.isArray(x.occurrences) ? (x.occurrences as Finding['occurrences']) : [],
      introducedIn: Array.isArray(x.introducedIn) ? (x.introducedIn as Finding['introducedIn']) : [],
      removedIn: Array.isArray(x.removedIn) ? (x.removedIn as Finding['removedIn']) : [],
      atTips: Array.isArray(x.atTips) ? (x.atTips as string[]) : [],
      status: (typeof x.status === 'string' ? x.status : 'present') as Finding['status'],
    };
    if (x.groups && typeof x.groups === 'object') f.groups = x.groups as Record<string, string>;
    findings.push(f);
  }
  const withoutSecret = items.length - findings.length;
  if (items.length > 0 && findings.length === 0) {
    throw new LeakhoundError(
      'E_USAGE',
      `${file} is a redacted report: it holds no secrets, so its findings cannot be verified. ` +
        'Write an unredacted one with `leakhound audit --no-redact --format json -o FILE` (it contains live secrets: keep it private), ' +
        'or verify a baseline with `leakhound verify --baseline FILE`, which re-audits the repository to recover the secrets.',
    );
  }
  if (withoutSecret) err(`${withoutSecret} finding(s) of ${file} carry no secret (redacted) and are not verified`);
  const loaded = loadRulesFromArgs(argv, process.cwd());
  const res = await prepareVerifyStep(argv, loaded.rules, { force: true })(findings);
  if (res.dryRun) return EXIT.CLEAN;
  emit(
    render(argv.format as string, findings, {
      showSecrets: argv.redact === false,
      color: colorFor(argv),
      remediation: new Map(loaded.rules.map((r) => [r.id, r.remediation])),
      stats: { findings: items.length, 'with a secret': findings.length },
    }),
    argv.output as string | undefined,
  );
  return verifiedValid(findings).length ? EXIT.FINDINGS : EXIT.CLEAN;
}
