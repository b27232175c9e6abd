// The one place verification touches the network: an injected `fetch`, a per-request timeout (AbortController), one
// retry with jitter on throttling / 5xx, redirects never followed, bounded response bodies, the User-Agent, endpoint
// overrides (tests, air-gapped users) and the notices that say an override is in use.
// Owns: HTTP exchange and its failure modes as data (never throws for network trouble).
// May import: types, errors, node:fs (version lookup), node:url. Never reads credentials from the environment.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { LeakhoundError } from '../errors/index.js';

export const PROJECT_URL = 'https://github.com/leakhound/leakhound';

/** A fetch-compatible function (global fetch by default; tests and embedders may inject their own). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  fetch: FetchLike;
  timeoutMs: number;
  /** Base delay before the single retry; the actual delay is uniformly random in [base, 2*base). */
  retryDelayMs: number;
  userAgent: string;
  /** Origin -> replacement origin. */
  endpointOverrides: ReadonlyMap<string, string>;
  notice: (message: string) => void;
  /** Responses larger than this are cut (we only need status, a few fields, short error codes). */
  maxBodyBytes: number;
  /** Count of requests actually sent, for tests and the summary. */
  counter?: { sent: number };
}

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export type HttpOutcome =
  | { kind: 'response'; status: number; headers: Headers; body: string; attempts: number }
  | { kind: 'error'; reason: 'timeout' | 'network' | 'bad-url'; code: string; attempts: number };

let cachedVersion: string | undefined;

/** The package version, found by walking up from this module to leakhound's package.json (src/ or dist/src/). */
export function leakhoundVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  cachedVersion = '0.0.0';
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'leakhound' && typeof pkg.version === 'string') {
          cachedVersion = pkg.version;
          break;
        }
      } catch {
        // not here; go up
      }
      dir = dirname(dir);
    }
  } catch {
    // keep 0.0.0
  }
  return cachedVersion;
}

/** `leakhound/<version> (+https://github.com/leakhound/leakhound)` plus an optional user suffix. */
export function buildUserAgent(suffix?: string, version = leakhoundVersion()): string {
  const base = `leakhound/${version} (+${PROJECT_URL})`;
  const s = suffix?.replace(/[\r\n]/g, ' ').trim();
  return s ? `${base} ${s}` : base;
}

/**
 * Parse `--verify-endpoint` values: `https://api.github.com=http://127.0.0.1:1234`. Only origins are kept (scheme,
 * host, port); a path on either side is an error. Returns origin -> replacement origin.
 */
export function parseEndpointOverrides(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of values) {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new LeakhoundError('E_USAGE', `bad endpoint override "${raw}": expected ORIGIN=REPLACEMENT`, { value: raw });
    const from = originOf(raw.slice(0, eq).trim());
    const to = originOf(raw.slice(eq + 1).trim());
    if (!from || !to) {
      throw new LeakhoundError('E_USAGE', `bad endpoint override "${raw}": both sides must be http(s) origins`, { value: raw });
    }
    out.set(from, to);
  }
  return out;
}

/** `https://api.github.com` for `https://api.github.com/` (trailing slash allowed); undefined for anything else. */
export function originOf(s: string): string | undefined {
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/** Rewrite the origin of `url` when an override exists; says so once per origin through `notice`. */
export function applyOverride(
  url: string,
  overrides: ReadonlyMap<string, string>,
  notice: (m: string) => void,
  announced: Set<string>,
): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const to = overrides.get(u.origin);
  if (!to) return url;
  if (!announced.has(u.origin)) {
    announced.add(u.origin);
    notice(`verification endpoint override in use: ${u.origin} -> ${to}`);
  }
  const target = new URL(to);
  u.protocol = target.protocol;
  u.host = target.host;
  return u.toString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total >= max) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/** Error code for a failed fetch, without its message (messages can carry the URL, and a URL can carry a secret). */
function errorCode(e: unknown): string {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string' && /^[A-Z0-9_]+$/.test(c)) return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  const name = e && typeof e === 'object' ? (e as { name?: unknown }).name : undefined;
  return typeof name === 'string' && /^[A-Za-z]+$/.test(name) ? name : 'ERROR';
}

/**
 * Send once, and once more after a jittered delay when `retryable(status)` says so or the network failed.
 * Never throws: failures are data.
 */
export async function send(
  req: HttpRequestSpec,
  opts: TransportOptions,
  retryable: (status: number, body: string) => boolean,
): Promise<HttpOutcome> {
  let last: HttpOutcome | undefined;
  for (let attempt = 1; attempt <= 2; attempt++) {
    if (attempt === 2) await sleep(opts.retryDelayMs * (1 + Math.random()));
    last = await sendOnce(req, opts, attempt);
    if (last.kind === 'response' && !retryable(last.status, last.body)) return last;
    if (last.kind === 'error' && last.reason === 'bad-url') return last;
  }
  return last!;
}

async function sendOnce(req: HttpRequestSpec, opts: TransportOptions, attempt: number): Promise<HttpOutcome> {
  try {
    new URL(req.url);
  } catch {
    return { kind: 'error', reason: 'bad-url', code: 'BAD_URL', attempts: attempt };
  }
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs);
  try {
    if (opts.counter) opts.counter.sent++;
    const res = await opts.fetch(req.url, {
      method: req.method,
      headers: { 'User-Agent': opts.userAgent, ...req.headers },
      ...(req.body !== undefined ? { body: req.body } : {}),
      redirect: 'manual',
      signal: ac.signal,
    });
    const body = await readBounded(res, opts.maxBodyBytes);
    return { kind: 'response', status: res.status, headers: res.headers, body, attempts: attempt };
  } catch (e) {
    if (ac.signal.aborted) return { kind: 'error', reason: 'timeout', code: 'TIMEOUT', attempts: attempt };
    return { kind: 'error', reason: 'network', code: errorCode(e), attempts: attempt };
  } finally {
    clearTimeout(timer);
  }
}

/** Defence in depth: replace every occurrence of any secret (and its URL-encoded form) in a string. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[REDACTED]');
  }
  return out;
}
