// Each shipped HTTP verifier against a loopback server that answers the way the provider documents: a valid token,
// a rejected one, and an odd answer that must be `unknown`. Provider origins are redirected with endpoint overrides
// and the fetch refuses anything but 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import {
  HTTP_SPECS,
  buildHttpRequest,
  classifyHttpResponse,
  httpVerifierNames,
  resolveHttpSpec,
  validateHttpSpec,
  verifyFindings,
  type VerifyOptions,
} from '../../src/verify/index.js';
import type { HttpVerifySpec, VerificationResult } from '../../src/types/index.js';
import { allStrings, finding, loopbackOnlyFetch, occ, startServer, tokenFor, type Loopback } from './helpers/loopback.js';

interface Answer {
  status: number;
  body: string;
}
interface Provider {
  name: string;
  method: string;
  path: string;
  /** The credential as the provider reads it from the request (per its documented auth placement). */
  credential: (req: IncomingMessage) => string | undefined;
  valid: Answer;
  invalid: Answer;
  odd: Answer;
  oddAttempts?: number;
  groups?: Record<string, string>;
  facts?: Record<string, string>;
}

const bearer = (req: IncomingMessage): string | undefined => /^Bearer (.+)$/.exec(String(req.headers['authorization'] ?? ''))?.[1];
const json = (status: number, v: unknown): Answer => ({ status, body: JSON.stringify(v) });
const TWILIO_SID = 'AC' + 'f'.repeat(32);

const PROVIDERS: Provider[] = [
  {
    name: 'github-token', method: 'GET', path: '/user', credential: bearer,
    valid: json(200, { login: 'octocat', id: 1 }), invalid: json(401, { message: 'Bad credentials' }),
    odd: json(403, { message: 'API rate limit exceeded' }), facts: { login: 'octocat' },
  },
  {
    name: 'gitlab-token', method: 'GET', path: '/api/v4/user', credential: (r) => r.headers['private-token'] as string | undefined,
    valid: json(200, { id: 7, username: 'gl-user' }), invalid: json(401, { message: '401 Unauthorized' }),
    odd: json(403, { message: '403 Forbidden' }), facts: { username: 'gl-user' },
  },
  {
    name: 'slack-token', method: 'POST', path: '/api/auth.test', credential: bearer,
    valid: json(200, { ok: true, team: 'Acme', user: 'bot' }), invalid: json(200, { ok: false, error: 'invalid_auth' }),
    odd: json(200, { ok: false, error: 'fatal_error' }), facts: { team: 'Acme', user: 'bot' },
  },
  {
    name: 'stripe-key', method: 'GET', path: '/v1/balance', credential: bearer,
    valid: json(200, { object: 'balance', available: [] }), invalid: json(401, { error: { type: 'invalid_request_error' } }),
    odd: { status: 418, body: 'teapot' },
  },
  {
    name: 'npm-token', method: 'GET', path: '/-/whoami', credential: bearer,
    valid: json(200, { username: 'npm-user' }), invalid: json(401, { error: 'unauthorized' }),
    odd: { status: 200, body: '<html>login</html>' }, facts: { username: 'npm-user' },
  },
  {
    name: 'openai-key', method: 'GET', path: '/v1/models', credential: bearer,
    valid: json(200, { object: 'list', data: [] }), invalid: json(401, { error: { code: 'invalid_api_key' } }),
    odd: json(403, { error: { code: 'unsupported_country_region_territory' } }),
  },
  {
    name: 'anthropic-key', method: 'GET', path: '/v1/models',
    credential: (r) => (r.headers['anthropic-version'] === '2023-06-01' ? (r.headers['x-api-key'] as string | undefined) : undefined),
    valid: json(200, { data: [], has_more: false }),
    invalid: json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }),
    odd: json(529, { type: 'error', error: { type: 'overloaded_error' } }), oddAttempts: 2,
  },
  {
    name: 'sendgrid-key', method: 'GET', path: '/v3/scopes', credential: bearer,
    valid: json(200, { scopes: ['mail.send'] }), invalid: json(401, { errors: [{ message: 'authorization required' }] }),
    odd: json(403, { errors: [{ message: 'access forbidden' }] }),
  },
  {
    name: 'twilio-auth-token', method: 'GET', path: `/2010-04-01/Accounts/${TWILIO_SID}.json`,
    credential: (r) => {
      const m = /^Basic (.+)$/.exec(String(r.headers['authorization'] ?? ''));
      if (!m) return undefined;
      const [user, pass] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
      return user === TWILIO_SID ? pass : undefined;
    },
    // The documented Account resource echoes the auth token: it must not leak into facts or details.
    valid: { status: 200, body: '' }, invalid: json(401, { code: 20003, message: 'Authenticate' }),
    odd: json(404, { code: 20404 }), groups: { sid: TWILIO_SID }, facts: { status: 'active' },
  },
  {
    name: 'huggingface-token', method: 'GET', path: '/api/whoami-v2', credential: bearer,
    valid: json(200, { name: 'hf-user', type: 'user' }), invalid: json(401, { error: 'Invalid credentials in Authorization header' }),
    odd: json(500, { error: 'internal' }), oddAttempts: 2, facts: { name: 'hf-user', type: 'user' },
  },
];

let servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

function originOf(spec: HttpVerifySpec): string {
  return new URL(spec.url.replace(/\{\{[^}]*\}\}/g, 'x')).origin;
}

it('every shipped verifier is exercised below', () => {
  expect(httpVerifierNames()).toEqual(PROVIDERS.map((p) => p.name).sort());
  for (const name of httpVerifierNames()) expect(validateHttpSpec(HTTP_SPECS[name])).toEqual([]);
});

describe.each(PROVIDERS)('$name', (p) => {
  it('valid -> valid, rejected -> invalid, odd answer -> unknown; no secret anywhere', async () => {
    const VALID = tokenFor(`${p.name}-valid`);
    const ODD = tokenFor(`${p.name}-odd`);
    const BAD = tokenFor(`${p.name}-bad`);
    const server = await startServer((req, _body, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method !== p.method || url.pathname !== p.path) {
        res.writeHead(404);
        res.end('wrong endpoint');
        return;
      }
      const cred = p.credential(req);
      let a = cred === VALID ? p.valid : cred === ODD ? p.odd : p.invalid;
      if (p.name === 'twilio-auth-token' && a === p.valid) a = json(200, { sid: TWILIO_SID, status: 'active', auth_token: VALID });
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(a.body);
    });
    servers.push(server);
    const notices: string[] = [];
    const rule = `test.${p.name}`;
    const fs = [VALID, BAD, ODD].map((s, i) => finding(rule, s, [occ({ line: i + 1 })], p.groups));
    const options: VerifyOptions = {
      rules: [{ id: rule, verify: { kind: 'http', use: p.name } }],
      fetch: loopbackOnlyFetch,
      env: {},
      retryDelayMs: 1,
      endpointOverrides: [`${originOf(HTTP_SPECS[p.name]!)}=${server.origin}`],
      onNotice: (m) => notices.push(m),
    };
    const results = await verifyFindings(fs, options);
    const [valid, bad, odd] = fs.map((f) => results.get(f.fingerprint)!) as [VerificationResult, VerificationResult, VerificationResult];
    expect(valid.status).toBe('valid');
    expect(bad.status).toBe('invalid');
    expect(odd.status).toBe('unknown');
    if (p.facts) expect(valid.facts).toEqual(p.facts);
    expect(server.requests).toHaveLength(2 + (p.oddAttempts ?? 1));
    expect(server.requests.every((r) => String(r.headers['user-agent']).startsWith('leakhound/'))).toBe(true);
    expect(notices.some((n) => n.includes('endpoint override in use') && n.includes(server.origin))).toBe(true);
    for (const s of allStrings([results, notices])) for (const secret of [VALID, BAD, ODD]) expect(s).not.toContain(secret);
  });
});

describe('engine', () => {
  it('GitLab: 403 insufficient_scope means the token is live', () => {
    const spec = HTTP_SPECS['gitlab-token']!;
    expect(classifyHttpResponse(spec, 403, '{"error":"insufficient_scope"}')).toBe('valid');
    expect(classifyHttpResponse(spec, 403, '{"message":"403 Forbidden"}')).toBe('unknown');
  });

  it('Slack: HTTP 200 with "ok": false and an auth error is invalid', () => {
    const spec = HTTP_SPECS['slack-token']!;
    expect(classifyHttpResponse(spec, 200, '{"ok":false,"error":"token_revoked"}')).toBe('invalid');
    expect(classifyHttpResponse(spec, 200, '{"ok":true}')).toBe('valid');
    expect(classifyHttpResponse(spec, 200, 'not json')).toBe('unknown');
  });

  it('an empty block never matches', () => {
    const spec: HttpVerifySpec = { kind: 'http', method: 'GET', url: 'https://x.test/', auth: { type: 'none' }, valid: {}, invalid: {} };
    expect(classifyHttpResponse(spec, 200, '')).toBe('unknown');
  });

  it('builds every auth placement and templates groups (URL-encoded in the URL only)', () => {
    const base: Pick<HttpVerifySpec, 'kind' | 'method' | 'valid' | 'invalid'> = {
      kind: 'http',
      method: 'GET',
      valid: { status: [200] },
      invalid: { status: [401] },
    };
    const q = buildHttpRequest({ ...base, url: 'https://x.test/{{group.org}}/check', auth: { type: 'query', name: 'key' } }, 'a b&c', { org: 'my org' });
    expect(q.ok && q.request.url).toBe('https://x.test/my%20org/check?key=a+b%26c');
    const h = buildHttpRequest({ ...base, url: 'https://x.test/', auth: { type: 'header', name: 'X-Key', prefix: 'Key ' }, headers: { 'X-Org': '{{group.org}}' } }, 's3cr3t', { org: 'o/1' });
    expect(h.ok && h.request.headers).toEqual({ 'X-Org': 'o/1', 'X-Key': 'Key s3cr3t' });
    const t = buildHttpRequest({ ...base, url: 'https://x.test/', auth: { type: 'token' } }, 'abc');
    expect(t.ok && t.request.headers['Authorization']).toBe('token abc');
    const b = buildHttpRequest({ ...base, url: 'https://x.test/', auth: { type: 'basic' } }, 'sk_x');
    expect(b.ok && b.request.headers['Authorization']).toBe('Basic ' + Buffer.from('sk_x:').toString('base64'));
    const missing = buildHttpRequest({ ...base, url: 'https://x.test/{{group.sid}}', auth: { type: 'none' } }, 'abc');
    expect(missing).toEqual({ ok: false, error: 'rule has no capture group "sid" needed by the verifier' });
  });

  it('resolves named verifiers with inline overrides and reports bad specs', () => {
    const r = resolveHttpSpec({ kind: 'http', use: 'github-token', url: 'https://ghe.example.com/api/v3/user' });
    expect(r.ok && r.spec.url).toBe('https://ghe.example.com/api/v3/user');
    expect(r.ok && r.spec.auth).toEqual({ type: 'bearer' });
    expect(resolveHttpSpec({ kind: 'http', use: 'nope' })).toMatchObject({ ok: false, error: 'unknown HTTP verifier "nope"' });
    expect(validateHttpSpec({ kind: 'http', method: 'PUT', url: 'ftp://x', auth: { type: 'header' }, valid: { status: 'x' }, invalid: {} })).toEqual([
      'verify.method: must be GET, POST or HEAD',
      'verify.url: must be http(s)',
      'verify.auth.name: required for auth type header',
      'verify.valid.status: must be a list of integers',
    ]);
  });

  it('missing capture group -> unknown without a request; timeout -> unknown; redirects are not followed', async () => {
    const SECRET = tokenFor('engine');
    let hits = 0;
    const server = await startServer((req, _b, res) => {
      hits++;
      if (req.url === '/slow') return; // never answers
      res.writeHead(302, { Location: 'http://127.0.0.1:9/steal' });
      res.end();
    });
    servers.push(server);
    const mk = (url: string): HttpVerifySpec => ({ kind: 'http', method: 'GET', url, auth: { type: 'bearer' }, valid: { status: [200] }, invalid: { status: [401] } });
    const f1 = finding('r.group', SECRET, [occ({ line: 1 })]);
    const f2 = finding('r.slow', SECRET + 'x', [occ({ line: 1 })]);
    const f3 = finding('r.redirect', SECRET + 'y', [occ({ line: 1 })]);
    const results = await verifyFindings([f1, f2, f3], {
      rules: [
        { id: 'r.group', verify: mk(`${server.origin}/{{group.sid}}`) },
        { id: 'r.slow', verify: mk(`${server.origin}/slow`) },
        { id: 'r.redirect', verify: mk(`${server.origin}/moved`) },
      ],
      fetch: loopbackOnlyFetch,
      env: {},
      timeoutMs: 200,
      retryDelayMs: 1,
    });
    expect(results.get(f1.fingerprint)).toMatchObject({ status: 'unknown' });
    expect(results.get(f1.fingerprint)!.detail).toContain('capture group "sid"');
    expect(results.get(f2.fingerprint)).toMatchObject({ status: 'unknown' });
    expect(results.get(f2.fingerprint)!.detail).toContain('timed out');
    expect(results.get(f3.fingerprint)!.detail).toContain('redirect not followed');
    expect(hits).toBe(3); // slow: tried twice (timeout is retried as a network failure); redirect: once
    for (const s of allStrings(results)) expect(s).not.toContain(SECRET);
  });
});
