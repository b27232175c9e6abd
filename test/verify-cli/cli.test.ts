// The built CLI with verification turned on, against loopback servers: a fake STS that checks SigV4 signatures and a
// fake GitHub API. No test leaves 127.0.0.1 (a preloaded guard in the CLI process refuses anything else).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENS } from '../helpers/rules.js';
import { keyIdForAccount, secretFor, startServer, type Loopback } from '../verify/helpers/loopback.js';
import { startFakeSts, type FakeSts } from '../verify/helpers/sts-server.js';
import { repoWith, runCliAsync } from './helpers.js';

const ACCOUNT = '123456789012';
const GOOD_ID = keyIdForAccount(ACCOUNT, 'cli-good');
const GOOD_SECRET = secretFor('cli-good');
const WRONG_SECRET = secretFor('cli-wrong');
const CANARY_ID = keyIdForAccount('052310077262', 'cli-canary');
const CANARY_SECRET = secretFor('cli-canary');
const SECRETS = [GOOD_ID, GOOD_SECRET, WRONG_SECRET, CANARY_ID, CANARY_SECRET, TOKENS.ghp];

const awsFile = (id: string, secret: string): string =>
  `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nregion = us-east-1\n`;

let sts: FakeSts;
let gh: Loopback;

beforeAll(async () => {
  sts = await startFakeSts();
  sts.keys.set(GOOD_ID, { secret: GOOD_SECRET, account: ACCOUNT, user: 'deploy-bot' });
  gh = await startServer((req, _body, res) => {
    if (req.url === '/user' && req.headers['authorization'] === `Bearer ${TOKENS.ghp}`) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ login: 'octo-dev', id: 1 }));
    } else {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: 'Bad credentials' }));
    }
  });
});

afterAll(async () => {
  await sts.close();
  await gh.close();
});

beforeEach(() => {
  sts.requests.length = 0;
  sts.seenKeyIds.length = 0;
  sts.mode = 'normal';
  gh.requests.length = 0;
});

function expectNoSecret(...texts: string[]): void {
  for (const t of texts) for (const s of SECRETS) expect(t).not.toContain(s);
}

function expectNoGuardHit(stderr: string): void {
  expect(stderr).not.toContain('TEST-GUARD');
}

describe('audit --verify', () => {
  it('reports a key pair from history as valid with its account and ARN, through the STS override, and prints the override', async () => {
    // Added in one commit, deleted in the next: history-only, still live.
    const repo = repoWith([{ 'deploy/credentials': awsFile(GOOD_ID, GOOD_SECRET) }, { 'deploy/credentials': null }]);
    const r = await runCliAsync(['audit', '.', '--verify', '--aws-sts-endpoint', sts.origin], { cwd: repo });
    expectNoGuardHit(r.stderr);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('verified:    valid');
    expect(r.stdout).toContain(`account: ${ACCOUNT}`);
    expect(r.stdout).toContain(`arn:aws:iam::${ACCOUNT}:user/deploy-bot`);
    expect(r.stderr).toContain(`AWS STS endpoint override in use (option): ${sts.origin}`);
    expect(r.stderr).toMatch(/verification: 2 valid, 0 invalid, 0 canary \(not contacted\), 0 unknown; 1 request sent/);
    expect(sts.seenKeyIds).toEqual([GOOD_ID]);
    expectNoSecret(r.stdout, r.stderr);

    const j = await runCliAsync(['audit', '.', '--verify', '--format', 'json'], { cwd: repo, env: { LEAKHOUND_AWS_STS_ENDPOINT: sts.origin } });
    expect(j.stderr).toContain('AWS STS endpoint override in use (LEAKHOUND_AWS_STS_ENDPOINT)');
    const doc = JSON.parse(j.stdout) as { findings: Array<{ ruleId: string; verification?: { status: string; facts?: Record<string, string> } }> };
    const id = doc.findings.find((f) => f.ruleId === 'aws.access-key-id');
    expect(id?.verification).toMatchObject({ status: 'valid', facts: { account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deploy-bot` } });
    expectNoSecret(j.stdout, j.stderr);

    const jl = await runCliAsync(['audit', '.', '--verify', '--format', 'jsonl', '--aws-sts-endpoint', sts.origin], { cwd: repo });
    const rows = jl.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string; verification?: { status: string } });
    expect(rows.filter((x) => x.ruleId.startsWith('aws.')).every((x) => x.verification?.status === 'valid')).toBe(true);
    expectNoSecret(jl.stdout, jl.stderr);
  });

  it('a key id with the wrong secret is invalid (the server checks the signature)', async () => {
    const repo = repoWith([{ '.env': `AWS_ACCESS_KEY_ID=${GOOD_ID}\nAWS_SECRET_ACCESS_KEY=${WRONG_SECRET}\n` }]);
    const r = await runCliAsync(['audit', '.', '--verify', '--aws-sts-endpoint', sts.origin, '--format', 'json'], { cwd: repo });
    expectNoGuardHit(r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; verification?: { status: string; detail: string; facts?: Record<string, string> } }> };
    const id = doc.findings.find((f) => f.ruleId === 'aws.access-key-id');
    expect(id?.verification?.status).toBe('invalid');
    expect(id?.verification?.facts?.['code']).toBe('SignatureDoesNotMatch');
    expect(sts.requests.length).toBeGreaterThan(0);
    expectNoSecret(r.stdout, r.stderr);
  });

  it('--verify-dry-run lists the endpoints and counts and sends nothing', async () => {
    const repo = repoWith([{ 'creds.ini': awsFile(GOOD_ID, GOOD_SECRET), 'ci.env': `GITHUB_TOKEN=${TOKENS.ghp}\n` }]);
    const r = await runCliAsync(
      ['audit', '.', '--verify-dry-run', '--aws-sts-endpoint', sts.origin, '--verify-endpoint', `https://api.github.com=${gh.origin}`],
      { cwd: repo },
    );
    expectNoGuardHit(r.stderr);
    expect(sts.requests).toHaveLength(0);
    expect(gh.requests).toHaveLength(0);
    expect(r.stderr).toContain('verification dry run: nothing was sent');
    expect(r.stderr).toContain(`would contact POST ${sts.origin}/ (aws-sts) for 1 finding`);
    expect(r.stderr).toContain(`would contact GET ${gh.origin}/user (github-token) for 1 finding`);
    expect(r.stderr).toContain(`https://api.github.com -> ${gh.origin}`);
    expect(r.stdout).not.toContain('verified:');
    expectNoSecret(r.stdout, r.stderr);
  });

  it('verifies a GitHub token through --verify-endpoint and reports the login', async () => {
    const repo = repoWith([{ 'ci.env': `GITHUB_TOKEN=${TOKENS.ghp}\n` }]);
    const r = await runCliAsync(['audit', '.', '--verify', '--verify-endpoint', `https://api.github.com=${gh.origin}`, '--user-agent-suffix', 'team-sec@example.com'], { cwd: repo });
    expectNoGuardHit(r.stderr);
    expect(gh.requests).toHaveLength(1);
    expect(gh.requests[0]!.headers['user-agent']).toMatch(/^leakhound\/\S+ \(\+https:\/\/github\.com\/leakhound\/leakhound\) team-sec@example\.com$/);
    expect(r.stdout).toContain('verified:    valid');
    expect(r.stdout).toContain('login: octo-dev');
    expect(r.stderr).toContain(`verification endpoint override in use: https://api.github.com -> ${gh.origin}`);
    expectNoSecret(r.stdout, r.stderr);
  });

  it('a canary-account key is reported canary without any request; skipped accounts are not contacted', async () => {
    const repo = repoWith([{ 'a.ini': awsFile(CANARY_ID, CANARY_SECRET), 'b.ini': awsFile(GOOD_ID, GOOD_SECRET) }]);
    const r = await runCliAsync(['audit', '.', '--verify', '--aws-sts-endpoint', sts.origin, '--aws-skip-account', ACCOUNT, '--format', 'json'], { cwd: repo });
    expectNoGuardHit(r.stderr);
    expect(sts.requests).toHaveLength(0);
    const doc = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; verification?: { status: string; detail: string } }> };
    const ids = doc.findings.filter((f) => f.ruleId === 'aws.access-key-id').map((f) => f.verification);
    expect(ids.map((v) => v?.status).sort()).toEqual(['canary', 'unknown']);
    expect(ids.find((v) => v?.status === 'unknown')?.detail).toContain('skip list');
    expectNoSecret(r.stdout, r.stderr);
  });

  it('verification is off by default: no request, no verification in the report', async () => {
    const repo = repoWith([{ 'creds.ini': awsFile(GOOD_ID, GOOD_SECRET) }]);
    const r = await runCliAsync(['audit', '.', '--format', 'json'], { cwd: repo, env: { LEAKHOUND_AWS_STS_ENDPOINT: sts.origin } });
    expect(r.code).toBe(1);
    expect(sts.requests).toHaveLength(0);
    expect(r.stdout).not.toContain('"verification"');
    expect(r.stderr).not.toContain('verification');
  });

  it('bad verification flags fail up front with a usage error (exit 2), nothing sent', async () => {
    const repo = repoWith([{ 'creds.ini': awsFile(GOOD_ID, GOOD_SECRET) }]);
    const a = await runCliAsync(['audit', '.', '--verify', '--verify-endpoint', 'api.github.com'], { cwd: repo });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/leakhound: error: .*verify-endpoint|leakhound: error: .*override/i);
    const b = await runCliAsync(['audit', '.', '--verify', '--aws-sts-endpoint', 'ftp://x'], { cwd: repo });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('invalid AWS STS endpoint');
    const c = await runCliAsync(['audit', '.', '--verify', '--aws-skip-account', '12345'], { cwd: repo });
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('not a 12-digit AWS account id');
    const d = await runCliAsync(['audit', '.', '--verify', '--verify-timeout', 'soon'], { cwd: repo });
    expect(d.code).toBe(2);
    expect(sts.requests).toHaveLength(0);
  });

  it('protect has no verification flags', async () => {
    const repo = repoWith([{ 'a.txt': 'x\n' }]);
    const r = await runCliAsync(['protect', '--verify'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: verify/);
  });
});

describe('scan --verify', () => {
  it('verifies working-tree findings too', async () => {
    const repo = repoWith([{ 'creds.ini': awsFile(GOOD_ID, GOOD_SECRET) }]);
    const r = await runCliAsync(['scan', '.', '--verify', '--aws-sts-endpoint', sts.origin, '--format', 'jsonl'], { cwd: repo });
    expectNoGuardHit(r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string; verification?: { status: string; facts?: Record<string, string> } });
    expect(rows.find((x) => x.ruleId === 'aws.access-key-id')?.verification).toMatchObject({ status: 'valid', facts: { account: ACCOUNT } });
    expectNoSecret(r.stdout, r.stderr);
  });
});

describe('verify --report', () => {
  it('verifies an unredacted JSON report; refuses a redacted one and says why', async () => {
    const repo = repoWith([{ 'creds.ini': awsFile(GOOD_ID, GOOD_SECRET) }]);
    const clear = await runCliAsync(['audit', '.', '--no-redact', '--format', 'json', '-o', 'clear.json'], { cwd: repo });
    expect(clear.code).toBe(1);
    const redacted = await runCliAsync(['audit', '.', '--format', 'json', '-o', 'redacted.json'], { cwd: repo });
    expect(redacted.code).toBe(1);
    expect(sts.requests).toHaveLength(0);

    const r = await runCliAsync(['verify', '--report', 'clear.json', '--aws-sts-endpoint', sts.origin, '--format', 'json'], { cwd: repo });
    expectNoGuardHit(r.stderr);
    expect(r.code).toBe(1); // a live credential
    const doc = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; verification?: { status: string } }> };
    expect(doc.findings.find((f) => f.ruleId === 'aws.access-key-id')?.verification?.status).toBe('valid');
    expectNoSecret(r.stdout, r.stderr); // output is redacted by default even though the input was not

    const n = await runCliAsync(['verify', '--report', 'redacted.json', '--aws-sts-endpoint', sts.origin], { cwd: repo });
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('is a redacted report: it holds no secrets');
    expect(n.stderr).toContain('--no-redact');
    expect(sts.requests).toHaveLength(1);
  });
});

describe('verify --baseline', () => {
  it('re-audits to recover the secrets, records results in the entries, confirms a rotation by a later invalid', async () => {
    const DEAD_ID = keyIdForAccount(ACCOUNT, 'cli-dead');
    const DEAD_SECRET = secretFor('cli-dead');
    const repo = repoWith([
      { 'live/credentials': awsFile(GOOD_ID, GOOD_SECRET), 'old/credentials': awsFile(DEAD_ID, DEAD_SECRET) },
      { 'old/credentials': null },
    ]);
    // The baseline is made by the baseline library, as `baseline create` would (holds only salted hashes).
    const { createBaseline, merge, markRotated, save, load } = await import('../../src/baseline/index.js');
    const findings = JSON.parse(
      (await runCliAsync(['audit', '.', '--no-redact', '--format', 'json'], { cwd: repo })).stdout,
    ) as { findings: Array<{ ruleId: string; secret: string }> };
    const asFindings = findings.findings.map((f) => ({ ...f, occurrences: [], introducedIn: [], removedIn: [], atTips: [] })) as unknown as Parameters<typeof merge>[1];
    let b = merge(createBaseline(), asFindings, { now: new Date(), scope: 'full' }).baseline;
    const { identify } = await import('../../src/baseline/index.js');
    const deadKey = identify(b, 'aws.access-key-id', DEAD_ID).key;
    const liveKey = identify(b, 'aws.access-key-id', GOOD_ID).key;
    b = markRotated(b, deadKey, { at: new Date(Date.now() - 86_400_000), by: 'ops' }).baseline;
    const path = join(repo, '.leakhound-baseline.json');
    save(path, b);
    expectNoSecret(readFileSync(path, 'utf8'));

    const dry = await runCliAsync(['verify', '--verify-dry-run', '--aws-sts-endpoint', sts.origin], { cwd: repo });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(`would contact POST ${sts.origin}/ (aws-sts) for 2 findings`);
    expect(sts.requests).toHaveLength(0);

    const r = await runCliAsync(['verify', '--aws-sts-endpoint', sts.origin], { cwd: repo });
    expectNoGuardHit(r.stderr);
    expect(r.code).toBe(1); // one live credential
    expect(r.stderr).toContain('recorded 4 verification results in .leakhound-baseline.json');
    expect(r.stderr).toContain(`rotation confirmed: ${deadKey}`);
    expect(r.stdout).toContain(liveKey);
    expectNoSecret(r.stdout, r.stderr, readFileSync(path, 'utf8'));

    const after = load(path);
    expect(after.entries[liveKey]?.verification).toMatchObject({ status: 'valid', facts: { account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deploy-bot` } });
    expect(Date.parse(after.entries[liveKey]!.verification!.checkedAt)).toBeGreaterThan(Date.now() - 600_000);
    const dead = after.entries[deadKey]!;
    expect(dead.verification?.status).toBe('invalid');
    expect(dead.triage).toMatchObject({ state: 'rotated', by: 'ops', confirmedBy: { status: 'invalid' } });

    // `baseline status` lists the live entry, with the time it was verified (JSON form).
    const st = await runCliAsync(['baseline', 'status'], { cwd: repo });
    const live = st.stdout.split('verified valid (live) and not rotated (2):\n')[1] ?? '';
    expect(live.split('\n\n')[0]).toContain(`  ${liveKey}  `);
    const sj = JSON.parse((await runCliAsync(['baseline', 'status', '--format', 'json'], { cwd: repo })).stdout) as {
      verifiedValid: Array<{ key: string; verification?: { checkedAt: string } }>;
    };
    expect(sj.verifiedValid.map((e) => [e.key, e.verification?.checkedAt])).toContainEqual([liveKey, after.entries[liveKey]!.verification!.checkedAt]);
    expect(sj.verifiedValid.map((e) => e.key)).not.toContain(deadKey);
  });

  it('says which entries cannot be verified because their secret is no longer in the repository', async () => {
    const repo = repoWith([{ 'creds.ini': awsFile(GOOD_ID, GOOD_SECRET) }]);
    const { createBaseline, merge, save, load } = await import('../../src/baseline/index.js');
    const gone = { ruleId: 'github.pat-classic', secret: TOKENS.ghp, fingerprint: 'x', ruleName: 'x', severity: 'high', redacted: 'x', entropy: 4, status: 'present', occurrences: [], introducedIn: [], removedIn: [], atTips: [] };
    const b = merge(createBaseline(), [gone] as unknown as Parameters<typeof merge>[1], { now: new Date(), scope: 'full' }).baseline;
    const path = join(repo, 'base.json');
    save(path, b);
    const r = await runCliAsync(['verify', '--baseline', 'base.json', '--verify-endpoint', `https://api.github.com=${gh.origin}`], { cwd: repo });
    expectNoGuardHit(r.stderr);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 baseline entry was not found in the repository, so its secret is not available/);
    expect(gh.requests).toHaveLength(0);
    expect(sts.requests).toHaveLength(0); // the AWS key in the repo is not in the baseline: not sent anywhere

    // The secret sits in an uncommitted file (as `scan --baseline` would have recorded it): found in the working tree.
    writeFileSync(join(repo, 'local.env'), `GITHUB_TOKEN=${TOKENS.ghp}\n`);
    const w = await runCliAsync(['verify', '--baseline', 'base.json', '--verify-endpoint', `https://api.github.com=${gh.origin}`, '--format', 'json'], { cwd: repo });
    expectNoGuardHit(w.stderr);
    expect(w.code).toBe(1);
    expect(gh.requests).toHaveLength(1);
    expect(sts.requests).toHaveLength(0);
    const entry = Object.values(load(path).entries)[0]!;
    expect(entry.verification).toMatchObject({ status: 'valid', facts: { login: 'octo-dev' } });
    expectNoSecret(w.stdout, w.stderr, readFileSync(path, 'utf8'));
  });
});
