// AWS access-key verification (CONVENTIONS.md §4): offline account-id decode, canary-token accounts answered
// without any request, the user's skip/only account lists, then one SigV4-signed STS GetCallerIdentity.
// Outcome table: 200 -> valid (account, ARN, user id); 403 InvalidClientTokenId / SignatureDoesNotMatch -> invalid;
// ExpiredToken -> invalid (the session is dead); throttling, 5xx, network errors, RequestExpired (clock skew),
// anything else -> unknown. Signs only with the credential that was found: never the user's AWS_* environment.
// Owns: the AWS verifier. May import: types, errors, node:fs (account list files), ./sigv4, ./transport.
import { readFileSync } from 'node:fs';
import type { VerificationResult } from '../types/index.js';
import { LeakhoundError } from '../errors/index.js';
import { signV4, type AwsCredentials } from './sigv4.js';
import { applyOverride, scrub, send, type TransportOptions } from './transport.js';

export const DEFAULT_STS_ENDPOINT = 'https://sts.amazonaws.com';
export const DEFAULT_AWS_REGION = 'us-east-1';
export const STS_ENDPOINT_ENV = 'LEAKHOUND_AWS_STS_ENDPOINT';
const STS_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/**
 * AWS accounts that host canary tokens (TruffleHog `access_keys/canary.go`, as listed in CONVENTIONS.md §4.3).
 * Any call with such a key alerts its owner, so these keys are reported as `canary` and never contacted.
 */
export const CANARY_ACCOUNTS: ReadonlyMap<string, string> = new Map([
  ...[
    '052310077262', '171436882533', '534261010715', '595918472158', '717712589309', '819147034852',
    '992382622183', '730335385048', '266735846894', '893192397702',
  ].map((a) => [a, 'canarytokens.org (Thinkst)'] as const),
  ...[
    '044858866125', '251535659677', '344043088457', '351906852752', '390477818340', '426127672474',
    '427150556519', '439872796651', '445142720921', '465867158099', '637958123769', '693412236332',
    '732624840810', '735421457923', '959235150393', '982842642351',
  ].map((a) => [a, 'third-party canary service'] as const),
]);

const KEY_ID_RE = /^(AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}$/;
const SECRET_RE = /^[A-Za-z0-9/+=]{40}$/;
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The 12-digit account id encoded in a modern access key id (Tal Beery's method: base32-decode the 16 characters
 * after the prefix, take 6 bytes, mask 0x7fffffffff80, shift right 7). Undefined for old-generation keys
 * (AKIAI…/AKIAJ…, ASIAI…/ASIAJ…) and anything that is not a key id.
 */
export function decodeAwsAccountId(keyId: string): string | undefined {
  if (!/^[A-Z0-9]{4}[A-Z2-7]{16}$/.test(keyId)) return undefined;
  const fifth = keyId[4];
  if (fifth === 'I' || fifth === 'J') return undefined;
  let bits = 0n;
  for (const ch of keyId.slice(4, 14)) bits = (bits << 5n) | BigInt(B32.indexOf(ch)); // 10 chars = 50 bits >= 48
  const first6 = bits >> 2n; // the first 48 bits
  const account = (first6 & 0x7fffffffff80n) >> 7n;
  return account.toString().padStart(12, '0');
}

/**
 * Parse an account-id list: one id per line, `#` starts a comment, commas and blanks also separate. Throws a coded
 * E_CONFIG error naming the source and line for anything that is not a 12-digit id.
 */
export function parseAccountList(text: string, source = '<accounts>'): Set<string> {
  const out = new Set<string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const body = line.replace(/#.*/, '');
    for (const tok of body.split(/[\s,]+/)) {
      if (tok === '') continue;
      if (!/^\d{12}$/.test(tok)) {
        throw new LeakhoundError('E_CONFIG', `${source}:${i + 1}: not a 12-digit AWS account id: "${tok.slice(0, 40)}"`, {
          file: source,
          line: i + 1,
        });
      }
      out.add(tok);
    }
  });
  return out;
}

/** Read an account-id list file (see parseAccountList). */
export function loadAccountListFile(path: string): Set<string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LeakhoundError('E_READ', `cannot read AWS account list ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, {
      path,
    });
  }
  return parseAccountList(text, path);
}

export interface AwsVerifyOptions {
  /** Full STS endpoint origin (default https://sts.amazonaws.com, or LEAKHOUND_AWS_STS_ENDPOINT). */
  stsEndpoint: string;
  /** Region used for signing (default us-east-1). */
  region: string;
  /** Account ids never verified (reported `unknown`, no request). */
  skipAccounts: ReadonlySet<string>;
  /** When set, only keys whose decoded account is listed are verified; others (and undecodable ids) are skipped. */
  onlyAccounts?: ReadonlySet<string>;
  transport: TransportOptions;
  /** Origins already announced as overridden. */
  announced: Set<string>;
  now: () => Date;
}

export type AwsCandidate = AwsCredentials;

/** Facts that do not need the network: decoded account and canary status. */
export function awsOfflineFacts(keyId: string): { account?: string; canary?: string } {
  const account = decodeAwsAccountId(keyId);
  if (account === undefined) return {};
  const canary = CANARY_ACCOUNTS.get(account);
  return canary ? { account, canary } : { account };
}

function result(status: VerificationResult['status'], detail: string, now: Date, facts?: Record<string, string>): VerificationResult {
  return { status, detail, checkedAt: now.toISOString(), ...(facts && Object.keys(facts).length ? { facts } : {}) };
}

/** What the pre-network checks decide, or undefined when an STS call is needed. */
export function awsPrecheck(cred: AwsCandidate, opts: Pick<AwsVerifyOptions, 'skipAccounts' | 'onlyAccounts' | 'now'>): VerificationResult | undefined {
  const now = opts.now();
  if (!KEY_ID_RE.test(cred.accessKeyId)) return result('unknown', 'not verified: not an AWS access key id', now);
  const { account, canary } = awsOfflineFacts(cred.accessKeyId);
  const facts: Record<string, string> = account ? { account } : {};
  if (canary) {
    return result('canary', `AWS canary token (account ${account}, ${canary}); not contacted`, now, { ...facts, canary: 'true' });
  }
  if (account && opts.skipAccounts.has(account)) {
    return result('unknown', `not verified: account ${account} is in the skip list`, now, facts);
  }
  if (opts.onlyAccounts && (!account || !opts.onlyAccounts.has(account))) {
    return result('unknown', `not verified: account ${account ?? '(not decodable)'} is not in the allow list`, now, facts);
  }
  if (!SECRET_RE.test(cred.secretAccessKey)) {
    return result('unknown', 'not verified: the paired secret access key is malformed', now, facts);
  }
  if (cred.accessKeyId.startsWith('ASIA') && !cred.sessionToken) {
    return result('unknown', 'not verified: temporary (ASIA) key without its session token', now, facts);
  }
  return undefined;
}

function xmlTag(body: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]{1,2048})</${tag}>`).exec(body);
  return m?.[1]?.trim();
}

function jsonIdentity(body: string): { Account?: string; Arn?: string; UserId?: string } | undefined {
  try {
    const j = JSON.parse(body) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: Record<string, string> } };
    return j.GetCallerIdentityResponse?.GetCallerIdentityResult;
  } catch {
    return undefined;
  }
}

function errorCodeOf(body: string): string | undefined {
  const x = xmlTag(body, 'Code');
  if (x) return x;
  try {
    const j = JSON.parse(body) as { Error?: { Code?: string }; __type?: string };
    return j.Error?.Code ?? j.__type;
  } catch {
    return undefined;
  }
}

const THROTTLE_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);

/** The STS URL actually used (after overrides), for plans and notices. */
export function stsUrl(opts: Pick<AwsVerifyOptions, 'stsEndpoint'>): string {
  return new URL('/', opts.stsEndpoint).toString();
}

/**
 * Verify one AWS credential. Never throws for an expected outcome; never puts the secret (or the key id) in a detail.
 */
export async function verifyAwsCredential(cred: AwsCandidate, opts: AwsVerifyOptions): Promise<VerificationResult> {
  const pre = awsPrecheck(cred, opts);
  if (pre) return pre;
  const account = decodeAwsAccountId(cred.accessKeyId);
  const baseFacts: Record<string, string> = account ? { account } : {};
  const url = applyOverride(stsUrl(opts), opts.transport.endpointOverrides, opts.transport.notice, opts.announced);
  const secrets = [cred.secretAccessKey, cred.accessKeyId, cred.sessionToken ?? ''];
  let signed;
  try {
    signed = signV4({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: STS_BODY,
      region: opts.region,
      service: 'sts',
      credentials: cred,
      date: opts.now(),
    });
  } catch {
    return result('unknown', 'not verified: could not build the STS request', opts.now(), baseFacts);
  }
  const out = await send(
    { method: 'POST', url, headers: signed.headers, body: STS_BODY },
    opts.transport,
    (status, body) => status >= 500 || status === 429 || THROTTLE_CODES.has(errorCodeOf(body) ?? ''),
  );
  const now = opts.now();
  const host = new URL(url).host;
  if (out.kind === 'error') {
    const what = out.reason === 'timeout' ? 'timed out' : `network error (${out.code})`;
    return result('unknown', scrub(`STS GetCallerIdentity at ${host}: ${what}`, secrets), now, baseFacts);
  }
  const { status, body } = out;
  if (status === 200) {
    const j = jsonIdentity(body);
    const acct = j?.Account ?? xmlTag(body, 'Account');
    const arn = j?.Arn ?? xmlTag(body, 'Arn');
    const userId = j?.UserId ?? xmlTag(body, 'UserId');
    if (!acct || !arn) {
      return result('unknown', `STS GetCallerIdentity at ${host}: HTTP 200 without an identity`, now, baseFacts);
    }
    const facts: Record<string, string> = { account: acct, arn };
    if (userId) facts['userId'] = userId;
    for (const k of Object.keys(facts)) facts[k] = scrub(facts[k]!, secrets);
    return result('valid', scrub(`live AWS credential: ${arn} (account ${acct})`, secrets), now, facts);
  }
  const code = errorCodeOf(body) ?? '';
  const safeCode = /^[A-Za-z.]{1,64}$/.test(code) ? code : 'unrecognised error';
  const where = `STS GetCallerIdentity at ${host}: HTTP ${status} ${safeCode}`;
  // The STS error code is reported as a fact (`code`) so callers can tell "key id unknown" from "secret wrong".
  const facts = code === safeCode ? { ...baseFacts, code } : baseFacts;
  if (code === 'InvalidClientTokenId') return result('invalid', `${where} (key id unknown to AWS: deleted or never existed)`, now, facts);
  if (code === 'SignatureDoesNotMatch') return result('invalid', `${where} (key id exists, secret does not match)`, now, facts);
  if (code === 'ExpiredToken') return result('invalid', `${where} (session token expired)`, now, facts);
  if (code === 'RequestExpired') return result('unknown', `${where} (clock skew: check this machine's time)`, now, facts);
  if (THROTTLE_CODES.has(code) || status === 429) return result('unknown', `${where} (throttled; retried once)`, now, facts);
  if (status >= 500) return result('unknown', `${where} (server error; retried once)`, now, facts);
  return result('unknown', where, now, facts);
}

/** Resolve the STS endpoint: explicit option, then LEAKHOUND_AWS_STS_ENDPOINT, then the global endpoint. */
export function resolveStsEndpoint(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): {
  endpoint: string;
  overridden: 'option' | 'env' | undefined;
} {
  if (explicit) return { endpoint: explicit, overridden: 'option' };
  const fromEnv = env[STS_ENDPOINT_ENV];
  if (fromEnv) return { endpoint: fromEnv, overridden: 'env' };
  return { endpoint: DEFAULT_STS_ENDPOINT, overridden: undefined };
}
