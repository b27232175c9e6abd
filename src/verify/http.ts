// Declarative HTTP verifiers: resolve a rule's `verify: {kind: http, …}` (inline, or `use: <name>` from
// ./http-specs.json with inline overrides), build the request (URL template with {{secret}} / {{group.NAME}},
// auth placement), send it through ./transport, classify the answer as valid / invalid / unknown.
// Matching: a block's criteria are ANDed; `status` and `bodyContains` match any listed value; `jsonField` compares a
// dotted path for deep equality; an empty block never matches; `valid` is tried before `invalid`; the rest is unknown.
// Owns: the HTTP verifier engine and its catalog. May import: types, ./transport, ./http-specs.json.
import type { HttpVerifyRef, HttpVerifySpec, VerificationResult } from '../types/index.js';
import catalogJson from './http-specs.json' with { type: 'json' };
import { applyOverride, scrub, send, type HttpRequestSpec, type TransportOptions } from './transport.js';

type Block = HttpVerifySpec['valid'];

/** The built-in catalog: verifier name -> spec. */
export const HTTP_SPECS: Readonly<Record<string, HttpVerifySpec>> = Object.freeze(
  (catalogJson as unknown as { verifiers: Record<string, HttpVerifySpec> }).verifiers,
);

/** Names rules may reference with `verify: {kind: http, use: <name>}`. */
export function httpVerifierNames(): string[] {
  return Object.keys(HTTP_SPECS).sort();
}

const METHODS = new Set(['GET', 'POST', 'HEAD']);
const AUTH_TYPES = new Set(['bearer', 'token', 'basic', 'header', 'query', 'none']);

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function blockProblems(b: unknown, where: string): string[] {
  if (!isObj(b)) return [`${where}: must be an object`];
  const p: string[] = [];
  if (b['status'] !== undefined && !(Array.isArray(b['status']) && b['status'].every((n) => Number.isInteger(n)))) {
    p.push(`${where}.status: must be a list of integers`);
  }
  if (b['bodyContains'] !== undefined && !(Array.isArray(b['bodyContains']) && b['bodyContains'].every((s) => typeof s === 'string'))) {
    p.push(`${where}.bodyContains: must be a list of strings`);
  }
  if (b['jsonField'] !== undefined && !(isObj(b['jsonField']) && typeof b['jsonField']['path'] === 'string' && 'equals' in b['jsonField'])) {
    p.push(`${where}.jsonField: must be {path, equals}`);
  }
  return p;
}

/** Problems with a fully resolved spec (empty when usable). For `rules check` and for data loaded at run time. */
export function validateHttpSpec(x: unknown): string[] {
  if (!isObj(x)) return ['verify: must be an object'];
  const p: string[] = [];
  if (x['kind'] !== 'http') p.push('verify.kind: must be "http"');
  if (typeof x['method'] !== 'string' || !METHODS.has(x['method'])) p.push('verify.method: must be GET, POST or HEAD');
  if (typeof x['url'] !== 'string') p.push('verify.url: must be a string');
  else {
    try {
      const u = new URL(x['url'].replace(/\{\{[^}]*\}\}/g, 'x'));
      if (u.protocol !== 'https:' && u.protocol !== 'http:') p.push('verify.url: must be http(s)');
    } catch {
      p.push('verify.url: not a URL');
    }
  }
  const auth = x['auth'];
  if (!isObj(auth) || typeof auth['type'] !== 'string' || !AUTH_TYPES.has(auth['type'])) {
    p.push('verify.auth.type: must be bearer, token, basic, header, query or none');
  } else if ((auth['type'] === 'header' || auth['type'] === 'query') && typeof auth['name'] !== 'string') {
    p.push(`verify.auth.name: required for auth type ${auth['type']}`);
  }
  if (x['headers'] !== undefined && !(isObj(x['headers']) && Object.values(x['headers']).every((v) => typeof v === 'string'))) {
    p.push('verify.headers: must map names to strings');
  }
  if (x['body'] !== undefined && typeof x['body'] !== 'string') p.push('verify.body: must be a string');
  p.push(...blockProblems(x['valid'], 'verify.valid'), ...blockProblems(x['invalid'], 'verify.invalid'));
  return p;
}

export type ResolvedHttpSpec = { ok: true; name: string; spec: HttpVerifySpec } | { ok: false; name: string; error: string };

/**
 * Resolve a rule's HTTP verify spec: `use` names a catalog entry (built-in, or `extra` which wins), inline fields
 * override it. The name is `use`, or `inline:<host><path>` for inline specs.
 */
export function resolveHttpSpec(
  spec: HttpVerifySpec | HttpVerifyRef,
  extra: Readonly<Record<string, HttpVerifySpec>> = {},
): ResolvedHttpSpec {
  let merged: Record<string, unknown>;
  let name: string;
  if (spec.use !== undefined) {
    name = spec.use;
    const base = extra[spec.use] ?? HTTP_SPECS[spec.use];
    if (!base) return { ok: false, name, error: `unknown HTTP verifier "${spec.use}"` };
    const { use: _use, ...overrides } = spec;
    merged = { ...base, ...overrides };
  } else {
    merged = { ...spec };
    let where = 'inline';
    try {
      const u = new URL(String(spec.url ?? '').replace(/\{\{[^}]*\}\}/g, 'x'));
      where = `inline:${u.host}${u.pathname}`;
    } catch {
      // keep "inline"
    }
    name = where;
  }
  const problems = validateHttpSpec(merged);
  if (problems.length) return { ok: false, name, error: problems.join('; ') };
  return { ok: true, name, spec: merged as unknown as HttpVerifySpec };
}

type Built = { ok: true; request: HttpRequestSpec } | { ok: false; error: string };

function substitute(template: string, secret: string, groups: Readonly<Record<string, string>>, encode: boolean): string | { missing: string } {
  let missing: string | undefined;
  const out = template.replace(/\{\{\s*(secret|group\.([A-Za-z0-9_]+))\s*\}\}/g, (_m, whole: string, g: string | undefined) => {
    const v = whole === 'secret' ? secret : groups[g ?? ''];
    if (v === undefined) {
      missing = g ?? whole;
      return '';
    }
    return encode ? encodeURIComponent(v) : v;
  });
  return missing !== undefined ? { missing } : out;
}

/** Build the HTTP request for one secret. Errors name the missing group, never a value. */
export function buildHttpRequest(spec: HttpVerifySpec, secret: string, groups: Readonly<Record<string, string>> = {}): Built {
  if (/[\r\n\0]/.test(secret)) return { ok: false, error: 'secret contains line breaks; cannot be sent in a header' };
  const url = substitute(spec.url, secret, groups, true);
  if (typeof url !== 'string') return { ok: false, error: `rule has no capture group "${url.missing}" needed by the verifier` };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers ?? {})) {
    const s = substitute(v, secret, groups, false);
    if (typeof s !== 'string') return { ok: false, error: `rule has no capture group "${s.missing}" needed by the verifier` };
    headers[k] = s;
  }
  let finalUrl = url;
  const auth = spec.auth;
  switch (auth.type) {
    case 'bearer':
      headers['Authorization'] = `Bearer ${secret}`;
      break;
    case 'token':
      headers['Authorization'] = `token ${secret}`;
      break;
    case 'basic': {
      const user = substitute(auth.username ?? '{{secret}}', secret, groups, false);
      const pass = substitute(auth.password ?? '', secret, groups, false);
      if (typeof user !== 'string') return { ok: false, error: `rule has no capture group "${user.missing}" needed by the verifier` };
      if (typeof pass !== 'string') return { ok: false, error: `rule has no capture group "${pass.missing}" needed by the verifier` };
      headers['Authorization'] = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
      break;
    }
    case 'header':
      headers[auth.name] = `${auth.prefix ?? ''}${secret}`;
      break;
    case 'query': {
      const u = new URL(finalUrl);
      u.searchParams.append(auth.name, secret);
      finalUrl = u.toString();
      break;
    }
    case 'none':
      break;
  }
  let body: string | undefined;
  if (spec.body !== undefined) {
    const b = substitute(spec.body, secret, groups, false);
    if (typeof b !== 'string') return { ok: false, error: `rule has no capture group "${b.missing}" needed by the verifier` };
    body = b;
  }
  return { ok: true, request: { method: spec.method, url: finalUrl, headers, ...(body !== undefined ? { body } : {}) } };
}

/** Value at a dotted path (`a.b.0.c`) of parsed JSON. */
export function jsonPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function blockMatches(block: Block, status: number, body: string, json: () => unknown): boolean {
  let any = false;
  if (block.status) {
    any = true;
    if (!block.status.includes(status)) return false;
  }
  if (block.bodyContains) {
    any = true;
    if (!block.bodyContains.some((s) => body.includes(s))) return false;
  }
  if (block.jsonField) {
    any = true;
    if (!deepEqual(jsonPath(json(), block.jsonField.path), block.jsonField.equals)) return false;
  }
  return any;
}

/** valid / invalid / unknown for a response. */
export function classifyHttpResponse(spec: HttpVerifySpec, status: number, body: string): 'valid' | 'invalid' | 'unknown' {
  let parsed: unknown;
  let done = false;
  const json = (): unknown => {
    if (!done) {
      done = true;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
    }
    return parsed;
  };
  if (blockMatches(spec.valid, status, body, json)) return 'valid';
  if (blockMatches(spec.invalid, status, body, json)) return 'invalid';
  return 'unknown';
}

export interface HttpVerifyContext {
  transport: TransportOptions;
  announced: Set<string>;
  now: () => Date;
}

function factValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v.slice(0, 200);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Verify one secret with a resolved spec. Never throws for an expected outcome; never echoes the secret. */
export async function verifyHttp(
  name: string,
  spec: HttpVerifySpec,
  secret: string,
  groups: Readonly<Record<string, string>>,
  ctx: HttpVerifyContext,
): Promise<VerificationResult> {
  const secrets = [secret, ...Object.values(groups).filter((g) => g.length >= 8)];
  const done = (status: VerificationResult['status'], detail: string, facts?: Record<string, string>): VerificationResult => ({
    status,
    detail: scrub(detail, secrets),
    checkedAt: ctx.now().toISOString(),
    ...(facts && Object.keys(facts).length ? { facts } : {}),
  });
  const built = buildHttpRequest(spec, secret, groups);
  if (!built.ok) return done('unknown', `${name}: not verified: ${built.error}`);
  const url = applyOverride(built.request.url, ctx.transport.endpointOverrides, ctx.transport.notice, ctx.announced);
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return '?';
    }
  })();
  const out = await send({ ...built.request, url }, ctx.transport, (status) => status === 429 || status >= 500);
  if (out.kind === 'error') {
    const what = out.reason === 'timeout' ? 'timed out' : out.reason === 'bad-url' ? 'bad URL' : `network error (${out.code})`;
    return done('unknown', `${name}: ${host}: ${what}`);
  }
  const verdict = classifyHttpResponse(spec, out.status, out.body);
  if (verdict === 'valid') {
    const facts: Record<string, string> = {};
    if (spec.facts) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(out.body);
      } catch {
        parsed = undefined;
      }
      for (const [k, path] of Object.entries(spec.facts)) {
        const v = factValue(jsonPath(parsed, path));
        if (v !== undefined) facts[k] = scrub(v, secrets);
      }
    }
    return done('valid', `${name}: HTTP ${out.status} from ${host}: live credential`, facts);
  }
  if (verdict === 'invalid') return done('invalid', `${name}: HTTP ${out.status} from ${host}: rejected`);
  const why =
    out.status === 429 ? ' (rate limited; retried once)' : out.status >= 500 ? ' (server error; retried once)' : out.status >= 300 && out.status < 400 ? ' (redirect not followed)' : '';
  return done('unknown', `${name}: HTTP ${out.status} from ${host}: answer not recognised${why}`);
}
