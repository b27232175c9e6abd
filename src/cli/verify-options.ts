// Verification flags shared by `audit`, `scan`, `ci` and `verify` (never `protect`), and the step that runs the
// verify library on a run's findings and attaches each result to `finding.verification`.
// Owns: flag names and their mapping onto VerifyOptions, the stderr notices (overrides in use, dry-run plan, summary),
// and `verifiedValid` (which findings a `--fail-on verified` gate counts).
// May import: types, errors, verify, yargs types. Writes only to stderr; the report stays on stdout.
import type { Argv, Options } from 'yargs';
import { LeakhoundError } from '../errors/index.js';
import type { Finding, HttpVerifyRef, VerificationResult, VerificationStatus, VerifySpec } from '../types/index.js';
import { STS_ENDPOINT_ENV, loadAccountListFile, parseAccountList, parseEndpointOverrides, planVerification, verifyFindings, type VerifyOptions } from '../verify/index.js';

export const VERIFY_GROUP = 'Verification (opt-in; contacts the provider of each found credential):';

/** The verification flags as data (yargs takes them; so does the audit's fast path, src/cli/fast-args.ts). */
export const VERIFY_OPTIONS = {
  verify: { type: 'boolean', default: false, group: VERIFY_GROUP, describe: 'Check whether each found credential is live by asking its provider (off by default; see README "Verification")' },
  'verify-dry-run': { type: 'boolean', default: false, group: VERIFY_GROUP, describe: 'List exactly which endpoints verification would contact, for how many findings; send nothing' },
  'verify-concurrency': { type: 'number', group: VERIFY_GROUP, describe: 'Verification requests in flight at once (default 4)' },
  'verify-timeout': { type: 'string', group: VERIFY_GROUP, describe: 'Per-request timeout: milliseconds or e.g. 10s (default 10s)' },
  'verify-endpoint': { type: 'string', array: true, group: VERIFY_GROUP, describe: 'ORIGIN=REPLACEMENT: send requests for ORIGIN to REPLACEMENT instead (repeatable), e.g. https://api.github.com=http://127.0.0.1:8080' },
  'aws-sts-endpoint': { type: 'string', group: VERIFY_GROUP, describe: `AWS STS endpoint for GetCallerIdentity (default: $${STS_ENDPOINT_ENV}, else https://sts.amazonaws.com)` },
  'aws-region': { type: 'string', group: VERIFY_GROUP, describe: 'Region AWS requests are signed for (default us-east-1)' },
  'aws-skip-account': { type: 'string', array: true, group: VERIFY_GROUP, describe: 'Never contact AWS for keys of this 12-digit account id (repeatable)' },
  'aws-skip-account-file': { type: 'string', group: VERIFY_GROUP, describe: 'File of AWS account ids never contacted (one per line, # comments)' },
  'user-agent-suffix': { type: 'string', group: VERIFY_GROUP, describe: 'Appended to the User-Agent of verification requests (e.g. your team contact)' },
} as const satisfies Record<string, Options>;

/**
 * Adds the verification flags. `withSwitch: false` leaves out `--verify` (for the `verify` command, where verifying
 * is the point).
 */
export function verifyOptions<T>(y: Argv<T>, o: { withSwitch?: boolean } = {}) {
  const { verify: _switch, ...rest } = VERIFY_OPTIONS;
  return y.options((o.withSwitch === false ? rest : VERIFY_OPTIONS) as typeof VERIFY_OPTIONS);
}

/** True when the user asked for verification or a dry run of it. */
export function verifyRequested(argv: Record<string, unknown>): boolean {
  return argv.verify === true || argv.verifyDryRun === true;
}

function durationMs(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(String(v));
  if (!m) throw new LeakhoundError('E_USAGE', `${flag}: expected a duration like 5000, 5000ms or 10s, got ${JSON.stringify(String(v))}`);
  const n = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  if (!(n >= 1)) throw new LeakhoundError('E_USAGE', `${flag}: must be at least 1ms`);
  return Math.round(n);
}

type RuleVerify = ReadonlyArray<{ id: string; verify?: VerifySpec | HttpVerifyRef | undefined }>;

/**
 * Maps the flags onto VerifyOptions. Usage errors (bad override, bad account id, bad duration) are E_USAGE /
 * E_CONFIG, thrown before anything is sent.
 */
export function verifyOptionsFromArgs(
  argv: Record<string, unknown>,
  rules: RuleVerify,
  extra: { env?: Readonly<Record<string, string | undefined>>; onNotice?: (m: string) => void } = {},
): VerifyOptions {
  const o: VerifyOptions = { rules, dryRun: argv.verifyDryRun === true };
  if (argv.verifyConcurrency !== undefined) {
    const c = Number(argv.verifyConcurrency);
    if (!Number.isInteger(c) || c < 1 || c > 64) throw new LeakhoundError('E_USAGE', '--verify-concurrency: expected a whole number from 1 to 64');
    o.concurrency = c;
  }
  const timeout = durationMs(argv.verifyTimeout, '--verify-timeout');
  if (timeout !== undefined) o.timeoutMs = timeout;
  const endpoints = (argv.verifyEndpoint as string[] | undefined) ?? [];
  if (endpoints.length) o.endpointOverrides = parseEndpointOverrides(endpoints); // E_USAGE up front
  if (typeof argv.awsStsEndpoint === 'string') o.awsStsEndpoint = argv.awsStsEndpoint;
  if (typeof argv.awsRegion === 'string') {
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(argv.awsRegion)) throw new LeakhoundError('E_USAGE', `--aws-region: not an AWS region name: ${JSON.stringify(argv.awsRegion.slice(0, 40))}`);
    o.awsRegion = argv.awsRegion;
  }
  const skip = new Set<string>();
  const skipArgs = (argv.awsSkipAccount as string[] | undefined) ?? [];
  if (skipArgs.length) for (const a of parseAccountList(skipArgs.join('\n'), '--aws-skip-account')) skip.add(a);
  if (typeof argv.awsSkipAccountFile === 'string') for (const a of loadAccountListFile(argv.awsSkipAccountFile)) skip.add(a);
  if (skip.size) o.awsSkipAccounts = skip;
  if (typeof argv.userAgentSuffix === 'string') o.userAgentSuffix = argv.userAgentSuffix;
  if (extra.env) o.env = extra.env;
  if (extra.onNotice) o.onNotice = extra.onNotice;
  return o;
}

export interface VerifyStepResult {
  /** False when neither --verify nor --verify-dry-run was given. */
  ran: boolean;
  dryRun: boolean;
  /** Fingerprint -> result (empty for a dry run). */
  results: Map<string, VerificationResult>;
  counts: Record<VerificationStatus, number>;
  /** HTTP requests actually sent. */
  sent: number;
}

const emptyCounts = (): Record<VerificationStatus, number> => ({ valid: 0, invalid: 0, canary: 0, unknown: 0 });

/** One line for stderr: `verification: 1 valid, 2 invalid, ...`. */
export function verificationSummary(r: VerifyStepResult): string {
  const c = r.counts;
  return `verification: ${c.valid} valid, ${c.invalid} invalid, ${c.canary} canary (not contacted), ${c.unknown} unknown; ${r.sent} request${r.sent === 1 ? '' : 's'} sent`;
}

export interface VerifyStepOptions {
  /** Verify even without --verify (the `verify` command). */
  force?: boolean;
  stderr?: (line: string) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Checks the verification flags now (before a long audit: a typo in an override fails fast, nothing sent) and
 * returns the step to run on the findings: it verifies them (when asked) and sets `finding.verification` on each
 * one that got a result. Notices (overrides in use, the dry-run plan) and a summary go to stderr.
 */
export function prepareVerifyStep(argv: Record<string, unknown>, rules: RuleVerify, o: VerifyStepOptions = {}): (findings: Finding[]) => Promise<VerifyStepResult> {
  const dryRun = argv.verifyDryRun === true;
  const empty = (): VerifyStepResult => ({ ran: false, dryRun, results: new Map(), counts: emptyCounts(), sent: 0 });
  if (!o.force && !verifyRequested(argv)) return () => Promise.resolve(empty());
  const err = o.stderr ?? ((line: string): void => void process.stderr.write(line + '\n'));
  const counter = { sent: 0 };
  const opts = verifyOptionsFromArgs(argv, rules, { env: o.env ?? process.env, onNotice: (m) => err(`leakhound: ${m}`) });
  opts.requestCounter = counter;
  planVerification([], { ...opts, onNotice: () => {} }); // validates the STS endpoint; sends nothing
  return async (findings) => {
    const res = empty();
    res.ran = true;
    res.results = await verifyFindings(findings, opts);
    res.sent = counter.sent;
    for (const f of findings) {
      const v = res.results.get(f.fingerprint);
      if (!v) continue;
      f.verification = v;
      res.counts[v.status]++;
    }
    if (!dryRun) err(`leakhound: ${verificationSummary(res)}`);
    return res;
  };
}

/** prepareVerifyStep and run it at once. */
export async function runVerifyStep(argv: Record<string, unknown>, rules: RuleVerify, findings: Finding[], o: VerifyStepOptions = {}): Promise<VerifyStepResult> {
  return prepareVerifyStep(argv, rules, o)(findings);
}

/** The findings a verification showed to be live (what `ci --fail-on verified` counts). Canaries are not counted. */
export function verifiedValid(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.verification?.status === 'valid');
}
