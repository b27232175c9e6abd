// AWS Signature Version 4 (header form) with node:crypto only: no SDK, no `aws4` package. `aws4` silently falls
// back to the user's own AWS_* environment credentials when given none; this signer takes credentials only as an
// argument and never reads the environment.
// Owns: canonical request, string to sign, signing key, Authorization header.
// May import: node:crypto. Pure and synchronous otherwise (the clock is an argument).
// Checked against AWS's published SigV4 test suite (test/verify/sigv4-vectors.ts).
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Session token of temporary (ASIA…) credentials; sent and signed as X-Amz-Security-Token. */
  sessionToken?: string;
}

export interface SigV4Request {
  method: string;
  /** Absolute URL; the Host header is derived from it (with the port when not the default). */
  url: string;
  /** Extra headers to sign and send. Repeated names: give an array; values are joined with ',' as AWS does. */
  headers?: Record<string, string | readonly string[]>;
  body?: string | Uint8Array;
  region: string;
  service: string;
  credentials: AwsCredentials;
  /** Signing time. */
  date: Date;
}

export interface SignedRequest {
  /** Headers to send (original names), plus X-Amz-Date, X-Amz-Security-Token and Authorization. Host is not included: the HTTP client sets it from the URL. */
  headers: Record<string, string>;
  /** `host;x-amz-date;…` */
  signedHeaders: string;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  authorization: string;
  amzDate: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded (upper-case hex). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `20150830T123600Z` */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function canonicalUri(pathname: string): string {
  if (pathname === '' || pathname === '/') return '/';
  // Decode what the URL parser encoded, then encode each segment exactly once (non-S3 services: the suite's
  // get-utf8 and get-unreserved vectors).
  return pathname
    .split('/')
    .map((seg) => rfc3986(safeDecode(seg)))
    .join('/');
}

function canonicalQuery(search: string): string {
  const raw = search.startsWith('?') ? search.slice(1) : search;
  if (raw === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([rfc3986(safeDecode(k)), rfc3986(safeDecode(v))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/\s+/g, ' ');
}

/** The derived signing key: HMAC chain over date, region, service, `aws4_request`. */
export function signingKey(secretAccessKey: string, dateStamp: string, region: string, service: string): Buffer {
  const kDate = hmac('AWS4' + secretAccessKey, dateStamp);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/** Sign a request with SigV4 (Authorization header). Pure: same input, same output. */
export function signV4(req: SigV4Request): SignedRequest {
  const url = new URL(req.url);
  const date = amzDate(req.date);
  const dateStamp = date.slice(0, 8);
  const method = req.method.toUpperCase();

  // Collect headers to sign (lower-cased names), keeping the original names for sending.
  const toSend: Record<string, string> = {};
  const canon = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const lower = name.toLowerCase();
    const list = canon.get(lower) ?? [];
    list.push(canonicalHeaderValue(value));
    canon.set(lower, list);
  };
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const values = typeof value === 'string' ? [value] : [...value];
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'x-amz-date' || lower === 'authorization') continue;
    for (const v of values) add(name, v);
    toSend[name] = values.join(',');
  }
  add('host', url.host);
  add('x-amz-date', date);
  toSend['X-Amz-Date'] = date;
  if (req.credentials.sessionToken !== undefined && req.credentials.sessionToken !== '') {
    canon.delete('x-amz-security-token');
    add('x-amz-security-token', req.credentials.sessionToken);
    toSend['X-Amz-Security-Token'] = req.credentials.sessionToken;
  }

  const names = [...canon.keys()].sort();
  const canonicalHeaders = names.map((n) => `${n}:${(canon.get(n) ?? []).join(',')}\n`).join('');
  const signedHeaders = names.join(';');
  const payloadHash = sha256Hex(req.body ?? '');
  const canonicalRequest = [
    method,
    canonicalUri(url.pathname),
    canonicalQuery(url.search),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${dateStamp}/${req.region}/${req.service}/aws4_request`;
  const stringToSign = [ALGORITHM, date, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(req.credentials.secretAccessKey, dateStamp, req.region, req.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
  const authorization =
    `${ALGORITHM} Credential=${req.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  toSend['Authorization'] = authorization;
  return { headers: toSend, signedHeaders, canonicalRequest, stringToSign, signature, authorization, amzDate: date };
}
