import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CANARY_ACCOUNTS,
  decodeAwsAccountId,
  loadAccountListFile,
  parseAccountList,
  verifyAwsCredential,
} from '../../src/verify/index.js';
import { awsPrecheck, resolveStsEndpoint, type AwsVerifyOptions } from '../../src/verify/aws.js';
import { buildUserAgent, type TransportOptions } from '../../src/verify/transport.js';
import { allStrings, closedPort, keyIdForAccount, loopbackOnlyFetch, secretFor, tokenFor } from './helpers/loopback.js';
import { startFakeSts, type FakeSts } from './helpers/sts-server.js';

const ACCOUNT = '123456789012';
const GOOD_ID = keyIdForAccount(ACCOUNT, 'good');
const GOOD_SECRET = secretFor('good');
const UNKNOWN_ID = keyIdForAccount(ACCOUNT, 'unknown');
const CANARY_ACCOUNT = '052310077262';
const CANARY_ID = keyIdForAccount(CANARY_ACCOUNT, 'canary');
const TEMP_ID = keyIdForAccount(ACCOUNT, 'temp', 'ASIA');
const TEMP_SECRET = secretFor('temp');
const TEMP_TOKEN = tokenFor('session', 'FwoGZXIvYXdzE');
const SECRETS = [GOOD_SECRET, TEMP_SECRET, TEMP_TOKEN, secretFor('wrong')];

let sts: FakeSts;
let notices: string[];

function opts(over: Partial<AwsVerifyOptions> = {}, transportOver: Partial<TransportOptions> = {}): AwsVerifyOptions {
  const transport: TransportOptions = {
    fetch: loopbackOnlyFetch,
    timeoutMs: 5000,
    retryDelayMs: 1,
    userAgent: buildUserAgent('test'),
    endpointOverrides: new Map(),
    notice: (m) => notices.push(m),
    maxBodyBytes: 65536,
    ...transportOver,
  };
  return { stsEndpoint: sts.origin, region: 'us-east-1', skipAccounts: new Set(), transport, announced: new Set(), now: () => new Date(), ...over };
}

function assertNoSecret(...values: unknown[]): void {
  for (const s of allStrings([values, notices])) for (const secret of SECRETS) expect(s).not.toContain(secret);
}

beforeAll(async () => {
  sts = await startFakeSts();
  sts.keys.set(GOOD_ID, { secret: GOOD_SECRET, account: ACCOUNT, user: 'ci-deployer' });
  sts.keys.set(TEMP_ID, { secret: TEMP_SECRET, account: ACCOUNT, user: 'session-user', sessionToken: TEMP_TOKEN });
});
afterAll(async () => sts.close());
beforeEach(() => {
  sts.requests.length = 0;
  sts.seenKeyIds.length = 0;
  sts.mode = 'normal';
  notices = [];
});

describe('offline account-id decoding (CONVENTIONS §4.4 published values)', () => {
  it('decodes modern key ids and refuses old-generation AKIAI/AKIAJ ids', () => {
    expect(decodeAwsAccountId('ASIAY34FZKBOKMUTVV7A')).toBe('609629065308');
    expect(decodeAwsAccountId('ASIAQNZGKIQY56JQ7WML')).toBe('029608264753');
    expect(decodeAwsAccountId('AKIA6RVFFB77RE7OLMKI')).toBe('999999999999');
    expect(decodeAwsAccountId('AKIAIOSFODNN7EXAMPLE')).toBeUndefined();
    expect(decodeAwsAccountId('AKIAJ' + 'A'.repeat(15))).toBeUndefined();
    expect(decodeAwsAccountId('not a key')).toBeUndefined();
  });
  it('round-trips the test helper encoder', () => {
    expect(decodeAwsAccountId(GOOD_ID)).toBe(ACCOUNT);
    expect(decodeAwsAccountId(CANARY_ID)).toBe(CANARY_ACCOUNT);
    expect(CANARY_ACCOUNTS.has(CANARY_ACCOUNT)).toBe(true);
  });
});

describe('account lists', () => {
  it('parses one id per line with # comments', () => {
    const s = parseAccountList('# ours\n111111111111\n222222222222  # staging\n\n333333333333,444444444444\n');
    expect([...s]).toEqual(['111111111111', '222222222222', '333333333333', '444444444444']);
  });
  it('rejects a bad line with file and line', () => {
    expect(() => parseAccountList('111111111111\n12345\n', 'skip.txt')).toThrow(/skip\.txt:2: not a 12-digit/);
  });
  it('loads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leakhound-accts-'));
    const p = join(dir, 'accounts.txt');
    writeFileSync(p, `${ACCOUNT} # prod\n`);
    expect(loadAccountListFile(p).has(ACCOUNT)).toBe(true);
    expect(() => loadAccountListFile(join(dir, 'missing.txt'))).toThrow(/cannot read AWS account list/);
  });
});

describe('STS GetCallerIdentity against a signature-checking loopback STS', () => {
  it('valid pair -> valid with account, ARN and user id; honest User-Agent', async () => {
    const r = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET }, opts());
    expect(r.status).toBe('valid');
    expect(r.facts).toMatchObject({ account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci-deployer` });
    expect(r.facts?.['userId']).toMatch(/^AIDA/);
    expect(sts.requests).toHaveLength(1);
    expect(sts.requests[0]!.headers['user-agent']).toMatch(/^leakhound\/\d+\.\d+\.\d+ \(\+https:\/\/github\.com\/leakhound\/leakhound\) test$/);
    expect(sts.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    assertNoSecret(r);
  });

  it('unknown key id -> invalid (InvalidClientTokenId)', async () => {
    const r = await verifyAwsCredential({ accessKeyId: UNKNOWN_ID, secretAccessKey: GOOD_SECRET }, opts());
    expect(r.status).toBe('invalid');
    expect(r.detail).toContain('InvalidClientTokenId');
    assertNoSecret(r);
  });

  it('wrong secret -> invalid (SignatureDoesNotMatch)', async () => {
    const r = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: secretFor('wrong') }, opts());
    expect(r.status).toBe('invalid');
    expect(r.detail).toContain('SignatureDoesNotMatch');
    assertNoSecret(r);
  });

  it('a signing bug is caught: signing for another region fails the server check', async () => {
    const r = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET }, opts({ region: 'eu-west-1' }));
    // The fake STS verifies with whatever region the credential scope names, so this must still be valid...
    expect(r.status).toBe('valid');
    // ...while tampering with what was signed must not be.
    const tamper: TransportOptions['fetch'] = (input, init) =>
      loopbackOnlyFetch(input, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    const bad = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET }, opts({}, { fetch: tamper }));
    expect(bad.status).toBe('invalid');
    expect(bad.detail).toContain('SignatureDoesNotMatch');
  });

  it('throttled -> unknown after exactly one retry', async () => {
    sts.mode = 'throttle';
    const r = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET }, opts());
    expect(r.status).toBe('unknown');
    expect(r.detail).toContain('Throttling');
    expect(sts.requests).toHaveLength(2);
  });

  it('5xx -> unknown after one retry', async () => {
    sts.mode = 'error500';
    const r = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET }, opts());
    expect(r.status).toBe('unknown');
    expect(sts.requests).toHaveLength(2);
  });

  it('server down (closed port) -> unknown, no secret in the detail', async () => {
    const port = await closedPort();
    const r = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET }, opts({ stsEndpoint: `http://127.0.0.1:${port}` }));
    expect(r.status).toBe('unknown');
    expect(r.detail).toMatch(/network error/);
    assertNoSecret(r);
  });

  it('clock skew -> unknown (RequestExpired)', async () => {
    const r = await verifyAwsCredential(
      { accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET },
      opts({ now: () => new Date(Date.now() - 3_600_000) }),
    );
    expect(r.status).toBe('unknown');
    expect(r.detail).toContain('clock skew');
  });

  it('a canary-token account -> canary, and the server sees no request at all', async () => {
    const r = await verifyAwsCredential({ accessKeyId: CANARY_ID, secretAccessKey: GOOD_SECRET }, opts());
    expect(r.status).toBe('canary');
    expect(r.facts).toMatchObject({ account: CANARY_ACCOUNT, canary: 'true' });
    expect(sts.requests).toHaveLength(0);
  });

  it('skip list and allow list are applied before any request', async () => {
    const skipped = await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET }, opts({ skipAccounts: new Set([ACCOUNT]) }));
    expect(skipped.status).toBe('unknown');
    expect(skipped.detail).toContain('skip list');
    const notAllowed = await verifyAwsCredential(
      { accessKeyId: GOOD_ID, secretAccessKey: GOOD_SECRET },
      opts({ onlyAccounts: new Set(['999999999999']) }),
    );
    expect(notAllowed.detail).toContain('allow list');
    expect(sts.requests).toHaveLength(0);
  });

  it('ASIA key: unknown without its session token (no request); valid with it (token sent and signed)', async () => {
    const without = await verifyAwsCredential({ accessKeyId: TEMP_ID, secretAccessKey: TEMP_SECRET }, opts());
    expect(without.status).toBe('unknown');
    expect(without.detail).toContain('session token');
    expect(sts.requests).toHaveLength(0);
    const withToken = await verifyAwsCredential({ accessKeyId: TEMP_ID, secretAccessKey: TEMP_SECRET, sessionToken: TEMP_TOKEN }, opts());
    expect(withToken.status).toBe('valid');
    expect(sts.requests[0]!.headers['x-amz-security-token']).toBe(TEMP_TOKEN);
    assertNoSecret(without, withToken);
  });

  it('malformed input is unknown, never thrown', async () => {
    expect(awsPrecheck({ accessKeyId: 'hello', secretAccessKey: 'x' }, opts())?.status).toBe('unknown');
    expect((await verifyAwsCredential({ accessKeyId: GOOD_ID, secretAccessKey: 'short' }, opts())).status).toBe('unknown');
    expect(sts.requests).toHaveLength(0);
  });

  it('endpoint resolution: option, then LEAKHOUND_AWS_STS_ENDPOINT, then the global endpoint; AWS_* env is ignored', () => {
    expect(resolveStsEndpoint('http://127.0.0.1:1', {})).toEqual({ endpoint: 'http://127.0.0.1:1', overridden: 'option' });
    expect(resolveStsEndpoint(undefined, { LEAKHOUND_AWS_STS_ENDPOINT: 'http://127.0.0.1:2' }).overridden).toBe('env');
    expect(resolveStsEndpoint(undefined, { AWS_ENDPOINT_URL_STS: 'http://x', AWS_ACCESS_KEY_ID: 'AKIA' })).toEqual({
      endpoint: 'https://sts.amazonaws.com',
      overridden: undefined,
    });
  });
});
