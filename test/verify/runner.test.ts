import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatPlan, planVerification, verifyFindings, type VerificationCache, type VerifyOptions } from '../../src/verify/index.js';
import type { RuleSpec } from '../../src/types/index.js';
import { allStrings, finding, keyIdForAccount, loopbackOnlyFetch, occ, secretFor, tokenFor } from './helpers/loopback.js';
import { startFakeSts, type FakeSts } from './helpers/sts-server.js';
import { startServer, type Loopback } from './helpers/loopback.js';

const rules: Array<Pick<RuleSpec, 'id' | 'verify'>> = [
  { id: 'aws.access-key-id', verify: { kind: 'aws-sts', role: 'access-key-id', pairWith: 'aws.secret-access-key' } },
  { id: 'aws.secret-access-key', verify: { kind: 'aws-sts', role: 'secret-access-key', pairWith: 'aws.access-key-id' } },
  { id: 'github.pat', verify: { kind: 'http', use: 'github-token' } as never },
  { id: 'plain.no-verify' },
];

const ACCOUNT = '210987654321';
const ID = keyIdForAccount(ACCOUNT, 'runner');
const SECRET = secretFor('runner');
const WRONG = secretFor('runner-wrong');
const CANARY_ID = keyIdForAccount('717712589309', 'runner-canary');
const LONELY_ID = keyIdForAccount(ACCOUNT, 'lonely');
const GH_TOKEN = tokenFor('gh', 'ghp_');

let sts: FakeSts;
let gh: Loopback;
let notices: string[];

const findings = (): ReturnType<typeof finding>[] => [
  finding('aws.access-key-id', ID, [occ({ line: 10, blob: 'b1', commit: 'c1' })]),
  // Nearest candidate is wrong; the right one is further away: both must be tried, in that order.
  finding('aws.secret-access-key', WRONG, [occ({ line: 11, blob: 'b1', commit: 'c1' })]),
  finding('aws.secret-access-key', SECRET, [occ({ line: 30, blob: 'b1', commit: 'c1' })]),
  finding('aws.access-key-id', CANARY_ID, [occ({ line: 1, blob: 'b2', commit: 'c2' })]),
  finding('aws.access-key-id', LONELY_ID, [occ({ line: 1, blob: 'b3', commit: 'c3' })]),
  finding('github.pat', GH_TOKEN, [occ({ line: 2, blob: 'b4', commit: 'c4' })]),
  finding('plain.no-verify', tokenFor('plain'), [occ({ line: 3, blob: 'b4', commit: 'c4' })]),
];
const ALL_SECRETS = findings().map((f) => f.secret);

function options(over: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    rules,
    fetch: loopbackOnlyFetch,
    env: { LEAKHOUND_AWS_STS_ENDPOINT: sts.origin, AWS_ACCESS_KEY_ID: 'AKIAUSERSOWNKEY00000', AWS_SECRET_ACCESS_KEY: 'users-own-secret' },
    endpointOverrides: [`https://api.github.com=${gh.origin}`],
    retryDelayMs: 1,
    onNotice: (m) => notices.push(m),
    ...over,
  };
}

beforeAll(async () => {
  sts = await startFakeSts();
  sts.keys.set(ID, { secret: SECRET, account: ACCOUNT, user: 'app' });
  gh = await startServer((req, _body, res) => {
    const ok = req.headers['authorization'] === `Bearer ${GH_TOKEN}`;
    res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(ok ? JSON.stringify({ login: 'octo', id: 1 }) : JSON.stringify({ message: 'Bad credentials' }));
  });
});
afterAll(async () => {
  await sts.close();
  await gh.close();
});
beforeEach(() => {
  sts.requests.length = 0;
  sts.seenKeyIds.length = 0;
  gh.requests.length = 0;
  notices = [];
});

describe('verifyFindings', () => {
  it('verifies AWS pairs and HTTP tokens, marks canaries offline, leaves rules without verify out', async () => {
    const counter = { sent: 0 };
    const fs = findings();
    const results = await verifyFindings(fs, options({ requestCounter: counter }));
    const by = (secret: string) => results.get(fs.find((f) => f.secret === secret)!.fingerprint);

    expect(by(ID)?.status).toBe('valid');
    expect(by(ID)?.facts).toMatchObject({ account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/app` });
    expect(by(SECRET)?.status).toBe('valid');
    // The nearer candidate was tried first and rejected; a secret half alone is never declared invalid.
    expect(by(WRONG)?.status).toBe('unknown');
    expect(by(WRONG)?.detail).toContain('not confirmed');
    expect(by(CANARY_ID)?.status).toBe('canary');
    // LONELY_ID has no secret near it, so it pairs with secrets anywhere in the scan; STS does not know the id,
    // which ends its candidates after one request.
    expect(by(LONELY_ID)?.status).toBe('invalid');
    expect(by(LONELY_ID)?.facts?.['code']).toBe('InvalidClientTokenId');
    expect(by(GH_TOKEN)?.status).toBe('valid');
    expect(by(GH_TOKEN)?.facts).toEqual({ login: 'octo' });
    expect(results.has(fs.at(-1)!.fingerprint)).toBe(false);

    // ID: wrong candidate, then the right one; LONELY_ID: one call; the canary: none. Only found key ids are used.
    expect([...sts.seenKeyIds].sort()).toEqual([ID, ID, LONELY_ID].sort());
    expect(sts.requests.every((r) => !String(r.headers['authorization']).includes('AKIAUSERSOWNKEY'))).toBe(true);
    expect(gh.requests).toHaveLength(1);
    expect(counter.sent).toBe(4);

    // Overrides are announced; nothing anywhere carries a secret.
    expect(notices.some((n) => n.includes('LEAKHOUND_AWS_STS_ENDPOINT') && n.includes(sts.origin))).toBe(true);
    expect(notices.some((n) => n.includes(`https://api.github.com -> ${gh.origin}`))).toBe(true);
    for (const s of allStrings([results, notices])) for (const secret of ALL_SECRETS) expect(s).not.toContain(secret);
  });

  it('a shared cache answers repeated credentials without new requests', async () => {
    const cache: VerificationCache = new Map();
    await verifyFindings(findings(), options({ cache }));
    const before = sts.requests.length + gh.requests.length;
    const again = await verifyFindings(findings(), options({ cache }));
    expect(sts.requests.length + gh.requests.length).toBe(before);
    expect([...again.values()].filter((r) => r.status === 'valid')).toHaveLength(3);
  });

  it('dry run lists endpoints and counts and sends nothing', async () => {
    const counter = { sent: 0 };
    const results = await verifyFindings(findings(), options({ dryRun: true, requestCounter: counter }));
    expect(results.size).toBe(0);
    expect(counter.sent).toBe(0);
    expect(sts.requests.length + gh.requests.length).toBe(0);
    const text = notices.join('\n');
    expect(text).toContain('nothing was sent');
    expect(text).toContain(`would contact POST ${sts.origin}/ (aws-sts) for 2 findings, at most 4 requests`);
    expect(text).toContain(`would contact GET ${gh.origin}/user (github-token) for 1 finding`);
    expect(text).toContain('1 canary');
    for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);

    const plan = planVerification(findings(), options());
    expect(plan.offline).toEqual({ canary: 1, skipped: 0, unpaired: 0, unverifiable: 0 });
    expect(formatPlan(plan)[0]).toBe('verification dry run: nothing was sent');
  });

  it('skip accounts apply to the whole run', async () => {
    const fs = findings();
    const results = await verifyFindings(fs, options({ awsSkipAccounts: [ACCOUNT] }));
    expect(results.get(fs[0]!.fingerprint)?.detail).toContain('skip list');
    expect(sts.requests).toHaveLength(0);
  });

  it('an unknown named verifier is reported, not thrown', async () => {
    const f = finding('bad.rule', tokenFor('bad'), [occ({ line: 1 })]);
    const results = await verifyFindings([f], options({ rules: [{ id: 'bad.rule', verify: { kind: 'http', use: 'no-such-verifier' } as never }] }));
    expect(results.get(f.fingerprint)).toMatchObject({ status: 'unknown' });
    expect(results.get(f.fingerprint)?.detail).toContain('unknown HTTP verifier "no-such-verifier"');
  });

  it('bad endpoint override strings are a usage error', async () => {
    await expect(verifyFindings(findings(), options({ endpointOverrides: ['nonsense'] }))).rejects.toMatchObject({ code: 'E_USAGE' });
    await expect(verifyFindings(findings(), options({ awsStsEndpoint: 'not a url' }))).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
