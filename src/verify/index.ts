// Verification layer: is a found credential live? Off by default: the caller decides to call verifyFindings().
//
// Public API (all data in, data out; nothing here throws for an expected outcome):
//   verifyFindings(findings, options)  -> Promise<Map<fingerprint, VerificationResult>>
//   planVerification(findings, options) -> VerificationPlan   (dry run: endpoints and counts, nothing sent)
//   formatPlan(plan)                    -> string[]           (lines for the CLI to print)
//   pairAwsFindings, decodeAwsAccountId, parseAccountList, loadAccountListFile, CANARY_ACCOUNTS,
//   parseEndpointOverrides, buildUserAgent, httpVerifierNames, resolveHttpSpec, validateHttpSpec, signV4
//
// The verifier registry is keyed by the `verify.kind` a rule declares (`aws-sts`, `http`), never by rule ids.
// Secrets never appear in a result, detail, fact, notice or thrown error: every string is built from codes we
// choose and passed through scrub() as defence in depth. The only environment variable read is
// LEAKHOUND_AWS_STS_ENDPOINT (from options.env, default process.env); AWS credentials of the user are never read.
//
// Owns: src/verify/*. May import: types, errors, node:crypto, node:fs, p-limit.
// Options are typed once here; the CLI maps its flags onto VerifyOptions (see the field docs).
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { Finding, HttpVerifyRef, HttpVerifySpec, VerificationResult, VerifySpec } from '../types/index.js';
import { LeakhoundError } from '../errors/index.js';
import {
  DEFAULT_AWS_REGION,
  STS_ENDPOINT_ENV,
  awsPrecheck,
  resolveStsEndpoint,
  stsUrl,
  verifyAwsCredential,
  type AwsVerifyOptions,
} from './aws.js';
import { resolveHttpSpec, verifyHttp, type HttpVerifyContext } from './http.js';
import { pairAwsFindings, type PairTier, type RuleVerifyLookup } from './pairing.js';
import { applyOverride, buildUserAgent, parseEndpointOverrides, scrub, type FetchLike, type TransportOptions } from './transport.js';

export { signV4, type AwsCredentials, type SigV4Request, type SignedRequest } from './sigv4.js';
export {
  CANARY_ACCOUNTS,
  DEFAULT_STS_ENDPOINT,
  STS_ENDPOINT_ENV,
  decodeAwsAccountId,
  loadAccountListFile,
  parseAccountList,
  verifyAwsCredential,
} from './aws.js';
export { pairAwsFindings, proximity, type AwsPairing, type PairingResult, type PairTier, type RankedPartner } from './pairing.js';
export {
  HTTP_SPECS,
  buildHttpRequest,
  classifyHttpResponse,
  httpVerifierNames,
  resolveHttpSpec,
  validateHttpSpec,
  verifyHttp,
} from './http.js';
export { buildUserAgent, parseEndpointOverrides, scrub, type FetchLike } from './transport.js';

/** A per-run cache: SHA-256 of (verifier, credential[, pair]) -> result. Share one across calls to reuse answers. */
export type VerificationCache = Map<string, Promise<VerificationResult>>;

export interface VerifyOptions {
  /** Rules of the scan (id and verify spec are enough). Findings whose rule has no `verify` are left out. */
  rules: ReadonlyArray<{ id: string; verify?: VerifySpec | HttpVerifyRef | undefined }>;
  /** Concurrent requests (default 4). */
  concurrency?: number;
  /** Per-request timeout in ms (default 10000). */
  timeoutMs?: number;
  /** Base delay of the single retry on throttling / 5xx, jittered to [d, 2d) (default 500). */
  retryDelayMs?: number;
  /** Appended to `leakhound/<version> (+https://github.com/leakhound/leakhound)`. */
  userAgentSuffix?: string;
  /** `ORIGIN=REPLACEMENT` strings (as from `--verify-endpoint`) or a parsed map. Printed through onNotice when used. */
  endpointOverrides?: readonly string[] | ReadonlyMap<string, string>;
  /** STS endpoint (default: env LEAKHOUND_AWS_STS_ENDPOINT, else https://sts.amazonaws.com). */
  awsStsEndpoint?: string;
  /** Signing region for STS (default us-east-1). */
  awsRegion?: string;
  /** AWS account ids never contacted (e.g. from --aws-skip-account / loadAccountListFile). */
  awsSkipAccounts?: Iterable<string>;
  /** When given, only these AWS account ids are contacted. */
  awsOnlyAccounts?: Iterable<string>;
  /** Max secret candidates tried per AWS key id (default 3). */
  awsMaxCandidates?: number;
  /** Extra or replacement named HTTP verifiers (e.g. from user config). */
  httpSpecs?: Readonly<Record<string, HttpVerifySpec>>;
  /** Where LEAKHOUND_AWS_STS_ENDPOINT is read from (default process.env). Nothing else is read from it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Injected fetch (default global fetch). */
  fetch?: FetchLike;
  /** Notices for the user (overrides in use, dry-run plan). Never contain secrets. */
  onNotice?: (message: string) => void;
  cache?: VerificationCache;
  /** List what would be contacted (through onNotice) and send nothing; returns an empty map. */
  dryRun?: boolean;
  now?: () => Date;
  /** Incremented for each HTTP request actually sent. */
  requestCounter?: { sent: number };
}

export interface PlannedEndpoint {
  verifier: string;
  method: string;
  /** URL template after endpoint overrides; secrets are never substituted (`{{secret}}` stays). */
  url: string;
  /** Findings whose verification would contact this endpoint. */
  findings: number;
  /** Upper bound on requests (AWS: one per secret candidate; retries not counted). */
  maxRequests: number;
}

export interface VerificationPlan {
  endpoints: PlannedEndpoint[];
  /** Decided offline, no request: canary keys, skipped accounts, unpaired halves, unusable specs. */
  offline: { canary: number; skipped: number; unpaired: number; unverifiable: number };
  overrides: string[];
}

interface Runtime {
  transport: TransportOptions;
  announced: Set<string>;
  now: () => Date;
  aws: AwsVerifyOptions;
  lookup: RuleVerifyLookup;
  notices: string[];
  extraSpecs: Readonly<Record<string, HttpVerifySpec>>;
}

function runtime(options: VerifyOptions, secretsForScrub: () => string[]): Runtime {
  const notices: string[] = [];
  const notice = (m: string): void => {
    const clean = scrub(m, secretsForScrub());
    notices.push(clean);
    options.onNotice?.(clean);
  };
  const overrides =
    options.endpointOverrides === undefined
      ? new Map<string, string>()
      : Array.isArray(options.endpointOverrides)
        ? parseEndpointOverrides(options.endpointOverrides as readonly string[])
        : new Map(options.endpointOverrides as ReadonlyMap<string, string>);
  const now = options.now ?? ((): Date => new Date());
  const transport: TransportOptions = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    timeoutMs: options.timeoutMs ?? 10_000,
    retryDelayMs: options.retryDelayMs ?? 500,
    userAgent: buildUserAgent(options.userAgentSuffix),
    endpointOverrides: overrides,
    notice,
    maxBodyBytes: 256 * 1024,
    ...(options.requestCounter ? { counter: options.requestCounter } : {}),
  };
  const sts = resolveStsEndpoint(options.awsStsEndpoint, options.env ?? process.env);
  if (!/^https?:$/.test(safeProtocol(sts.endpoint))) {
    throw new LeakhoundError('E_USAGE', `invalid AWS STS endpoint (${sts.overridden === 'env' ? STS_ENDPOINT_ENV : 'option'}): must be an http(s) URL`);
  }
  const region = options.awsRegion ?? DEFAULT_AWS_REGION;
  const aws: AwsVerifyOptions = {
    stsEndpoint: sts.endpoint,
    region,
    skipAccounts: new Set(options.awsSkipAccounts ?? []),
    ...(options.awsOnlyAccounts ? { onlyAccounts: new Set(options.awsOnlyAccounts) } : {}),
    transport,
    announced: new Set(),
    now,
  };
  const rt: Runtime = {
    transport,
    announced: aws.announced,
    now,
    aws,
    lookup: new Map(options.rules.map((r) => [r.id, r.verify])),
    notices,
    extraSpecs: options.httpSpecs ?? {},
  };
  if (sts.overridden) {
    notice(
      `AWS STS endpoint override in use (${sts.overridden === 'env' ? 'LEAKHOUND_AWS_STS_ENDPOINT' : 'option'}): ${safeOrigin(sts.endpoint)}`,
    );
  }
  if (region !== DEFAULT_AWS_REGION) notice(`AWS STS requests are signed for region ${region}`);
  return rt;
}

function safeProtocol(u: string): string {
  try {
    return new URL(u).protocol;
  } catch {
    return '';
  }
}

function safeOrigin(u: string): string {
  try {
    return new URL(u).origin;
  } catch {
    return '(invalid URL)';
  }
}

function hashKey(parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(String(p.length)).update(':').update(p);
  return h.digest('hex');
}

function unknown(detail: string, now: Date, facts?: Record<string, string>): VerificationResult {
  return { status: 'unknown', detail, checkedAt: now.toISOString(), ...(facts ? { facts } : {}) };
}

const RANK: Record<VerificationResult['status'], number> = { valid: 3, canary: 2, invalid: 1, unknown: 0 };


/**
 * Verify every finding whose rule declares `verify`. Returns fingerprint -> result (AWS: both halves of a pair get
 * the pair's result). Unpaired halves and unusable specs get `unknown` with the reason. Never throws for network
 * trouble; throws a LeakhoundError E_USAGE only for malformed options (bad endpoint override, bad STS endpoint).
 */
export async function verifyFindings(
  findings: readonly Finding[],
  options: VerifyOptions,
): Promise<Map<string, VerificationResult>> {
  const allSecrets = (): string[] => findings.map((f) => f.secret);
  if (options.dryRun) {
    const plan = planVerification(findings, options);
    for (const line of formatPlan(plan)) options.onNotice?.(scrub(line, allSecrets()));
    return new Map();
  }
  const rt = runtime(options, allSecrets);
  const limit = pLimit(Math.max(1, options.concurrency ?? 4));
  const cache: VerificationCache = options.cache ?? new Map();
  const results = new Map<string, VerificationResult>();
  const cached = (key: string, run: () => Promise<VerificationResult>): Promise<VerificationResult> => {
    let p = cache.get(key);
    if (!p) {
      p = limit(run);
      cache.set(key, p);
    }
    return p;
  };

  const jobs: Promise<void>[] = [];
  // Every (secret candidate, outcome) tried, to decide the secret halves once all key ids are done.
  const secretOutcomes: Array<{ secret: Finding; tier: PairTier; result: VerificationResult }> = [];

  // AWS: pair, then verify each key id against its candidates, best first, stopping at the first decisive answer.
  const { pairings, unpairedSecrets } = pairAwsFindings(findings, rt.lookup, options.awsMaxCandidates ?? 3);
  for (const pairing of pairings) {
    jobs.push(
      (async () => {
        const id = pairing.keyId;
        const token = pairing.sessionToken?.finding.secret;
        if (pairing.secrets.length === 0) {
          const pre = awsPrecheck({ accessKeyId: id.secret, secretAccessKey: '' }, rt.aws);
          const r =
            pre && pre.status !== 'unknown'
              ? pre
              : unknown('not verified: no secret access key found to pair with', rt.now(), pre?.facts);
          results.set(id.fingerprint, r);
          return;
        }
        let best: VerificationResult | undefined;
        let triedOther = false;
        for (const cand of pairing.secrets) {
          const cred = { accessKeyId: id.secret, secretAccessKey: cand.finding.secret, ...(token ? { sessionToken: token } : {}) };
          const key = hashKey(['aws-sts', rt.aws.stsEndpoint, rt.aws.region, cred.accessKeyId, cred.secretAccessKey, token ?? '']);
          let r = await cached(key, () => verifyAwsCredential(cred, rt.aws));
          // STS rejects a second signature for the same key id within seconds with SignatureDoesNotMatch
          // (TruffleHog's note, CONVENTIONS §4.2): resubmit once after the retry delay.
          if (triedOther && r.facts?.['code'] === 'SignatureDoesNotMatch') {
            await new Promise((res) => setTimeout(res, rt.transport.retryDelayMs));
            r = await limit(() => verifyAwsCredential(cred, rt.aws));
            cache.set(key, Promise.resolve(r));
          }
          triedOther = true;
          secretOutcomes.push({ secret: cand.finding, tier: cand.tier, result: r });
          if (!best || RANK[r.status] > RANK[best.status]) best = r;
          if (r.status === 'valid' || r.status === 'canary') break;
          // The key id itself is dead or skipped: no other secret can change that.
          if (r.facts?.['code'] === 'InvalidClientTokenId' || r.facts?.['code'] === 'ExpiredToken') break;
          if (r.status === 'unknown' && r.detail.startsWith('not verified:') && !r.detail.includes('malformed')) break;
        }
        results.set(id.fingerprint, best!);
        if (pairing.sessionToken && best!.status === 'valid') results.set(pairing.sessionToken.finding.fingerprint, best!);
      })(),
    );
  }

  // HTTP verifiers.
  const ctx: HttpVerifyContext = { transport: rt.transport, announced: rt.announced, now: rt.now };
  for (const f of findings) {
    const spec = rt.lookup.get(f.ruleId);
    if (!spec || spec.kind !== 'http') continue;
    jobs.push(
      (async () => {
        const resolved = resolveHttpSpec(spec, rt.extraSpecs);
        if (!resolved.ok) {
          results.set(f.fingerprint, unknown(scrub(`not verified: ${resolved.name}: ${resolved.error}`, [f.secret]), rt.now()));
          return;
        }
        const groups = f.groups ?? {};
        const key = hashKey(['http', resolved.name, JSON.stringify(resolved.spec), f.secret, JSON.stringify(groups)]);
        results.set(f.fingerprint, await cached(key, () => verifyHttp(resolved.name, resolved.spec, f.secret, groups, ctx)));
      })(),
    );
  }

  await Promise.all(jobs);
  for (const [fp, r] of secretHalfResults(secretOutcomes, rt.now())) results.set(fp, r);
  for (const s of unpairedSecrets) {
    if (!results.has(s.fingerprint)) results.set(s.fingerprint, unknown('not verified: no AWS access key id found to pair with', rt.now()));
  }
  // Last line of defence: no string in any result may contain any secret of this scan.
  const secrets = allSecrets();
  for (const [fp, r] of results) {
    const facts = r.facts ? Object.fromEntries(Object.entries(r.facts).map(([k, v]) => [k, scrub(v, secrets)])) : undefined;
    results.set(fp, { ...r, detail: scrub(r.detail, secrets), ...(facts ? { facts } : {}) });
  }
  return results;
}

/**
 * A secret access key is only valid or invalid relative to a key id: valid (or canary) when any pair with it was;
 * invalid when a key id found next to it (same blob or commit) is dead; otherwise unknown.
 */
function secretHalfResults(
  outcomes: ReadonlyArray<{ secret: Finding; tier: PairTier; result: VerificationResult }>,
  now: Date,
): Map<string, VerificationResult> {
  const bySecret = new Map<string, Array<{ tier: PairTier; result: VerificationResult }>>();
  for (const o of outcomes) {
    const list = bySecret.get(o.secret.fingerprint) ?? [];
    list.push(o);
    bySecret.set(o.secret.fingerprint, list);
  }
  const out = new Map<string, VerificationResult>();
  for (const [fp, list] of bySecret) {
    const win = list.find((o) => o.result.status === 'valid') ?? list.find((o) => o.result.status === 'canary');
    const deadNeighbour = list.find(
      (o) =>
        o.tier !== 'same-scan' &&
        o.result.status === 'invalid' &&
        (o.result.facts?.['code'] === 'InvalidClientTokenId' || o.result.facts?.['code'] === 'ExpiredToken'),
    );
    if (win) out.set(fp, win.result);
    else if (deadNeighbour) out.set(fp, { ...deadNeighbour.result, detail: `paired key id rejected: ${deadNeighbour.result.detail}` });
    else out.set(fp, unknown(`not confirmed: none of the ${list.length} key id pairing(s) tried accepted it`, now));
  }
  return out;
}

/** What verifyFindings would contact, without sending anything (the `--verify-dry-run` view). */
export function planVerification(findings: readonly Finding[], options: VerifyOptions): VerificationPlan {
  const notices: string[] = [];
  const rt = runtime({ ...options, onNotice: (m) => notices.push(m) }, () => findings.map((f) => f.secret));
  const byEndpoint = new Map<string, PlannedEndpoint>();
  const offline = { canary: 0, skipped: 0, unpaired: 0, unverifiable: 0 };
  const announcedTmp = new Set<string>();
  const bump = (verifier: string, method: string, url: string, requests: number): void => {
    const target = applyOverride(url, rt.transport.endpointOverrides, (m) => notices.push(m), announcedTmp);
    const key = `${verifier}\0${method}\0${target}`;
    const e = byEndpoint.get(key) ?? { verifier, method, url: target, findings: 0, maxRequests: 0 };
    e.findings += 1;
    e.maxRequests += requests;
    byEndpoint.set(key, e);
  };

  const { pairings, unpairedSecrets } = pairAwsFindings(findings, rt.lookup, options.awsMaxCandidates ?? 3);
  offline.unpaired += unpairedSecrets.length;
  for (const p of pairings) {
    const token = p.sessionToken?.finding.secret;
    const pre = awsPrecheck(
      { accessKeyId: p.keyId.secret, secretAccessKey: p.secrets[0]?.finding.secret ?? '', ...(token ? { sessionToken: token } : {}) },
      rt.aws,
    );
    if (pre?.status === 'canary') offline.canary++;
    else if (p.secrets.length === 0) offline.unpaired++;
    else if (pre) offline.skipped++;
    else bump('aws-sts', 'POST', stsUrl(rt.aws), p.secrets.length);
  }
  for (const f of findings) {
    const spec = rt.lookup.get(f.ruleId);
    if (!spec || spec.kind !== 'http') continue;
    const resolved = resolveHttpSpec(spec, rt.extraSpecs);
    if (!resolved.ok) {
      offline.unverifiable++;
      continue;
    }
    let url = resolved.spec.url;
    if (resolved.spec.auth.type === 'query') {
      url += (url.includes('?') ? '&' : '?') + `${encodeURIComponent(resolved.spec.auth.name)}={{secret}}`;
    }
    bump(resolved.name, resolved.spec.method, url, 1);
  }
  const endpoints = [...byEndpoint.values()].sort((a, b) => (a.verifier < b.verifier ? -1 : a.verifier > b.verifier ? 1 : a.url < b.url ? -1 : 1));
  return { endpoints, offline, overrides: [...new Set(notices)] };
}

/** Human-readable lines for a plan. */
export function formatPlan(plan: VerificationPlan): string[] {
  const lines: string[] = ['verification dry run: nothing was sent'];
  for (const o of plan.overrides) lines.push(o);
  if (plan.endpoints.length === 0) lines.push('no endpoint would be contacted');
  for (const e of plan.endpoints) {
    lines.push(
      `would contact ${e.method} ${e.url} (${e.verifier}) for ${e.findings} finding${e.findings === 1 ? '' : 's'}` +
        (e.maxRequests !== e.findings ? `, at most ${e.maxRequests} requests` : ''),
    );
  }
  const { canary, skipped, unpaired, unverifiable } = plan.offline;
  lines.push(
    `decided offline: ${canary} canary, ${skipped} skipped, ${unpaired} without a pair, ${unverifiable} with an unusable verifier`,
  );
  return lines;
}
