// Synthetic credential text: a seeded PRNG and a small template language for format-true random secrets.
// Owns: `expand(template, rng)`, used by the accuracy benchmark and by fill-examples.ts (rule file examples).
// May import: matcher/checks (checksums only). Every value is random: nothing here is, or was, a real credential.
import { base62, crc32 } from '../../src/matcher/checks.js';

/** The benchmarks' seeded PRNG (mulberry32). */
export { prng as rng } from '../lib/prng.js';
export type Rng = () => number;

export function seedOf(s: string): number {
  return crc32(s);
}

export const ALPHABETS: Record<string, string> = {
  b62: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  HEX: '0123456789ABCDEF',
  b64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  b64u: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-',
  num: '0123456789',
  lc: 'abcdefghijklmnopqrstuvwxyz0123456789',
  uc: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  b32: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
  alpha: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  pw: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%^*-_+=.',
};

export function pick(r: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

/** A random string over `alphabet` that mixes character kinds (so it passes entropy floors like a real key). */
export function randomOf(r: Rng, alphabet: string, n: number): string {
  for (;;) {
    const s = pick(r, alphabet, n);
    if (n < 8 || new Set(s).size >= Math.min(n * 0.5, alphabet.length * 0.5)) return s;
  }
}

const b64url = (s: string | Uint8Array): string => Buffer.from(s).toString('base64url');

function checksummed(r: Rng, prefix: string): string {
  const body = randomOf(r, ALPHABETS.b62!, 30);
  return prefix + body + base62(crc32(body), 6);
}

function uuid(r: Rng): string {
  const h = pick(r, ALPHABETS.hex!, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(r() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function jwt(r: Rng, payload?: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = payload ?? JSON.stringify({ sub: randomOf(r, ALPHABETS.lc!, 12), iat: 1700000000 + Math.floor(r() * 1e7), scope: 'read write' });
  return `${header}.${b64url(p)}.${randomOf(r, ALPHABETS.b64u!, 43)}`;
}

function pemBody(r: Rng, lines: number, sep: string): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(randomOf(r, ALPHABETS.b64!, 64));
  out.push(randomOf(r, ALPHABETS.b64!, 24) + '==');
  return out.join(sep);
}

/**
 * Expands `@{kind:arg}` markers. Kinds: an alphabet name with a length (`@{hex:32}`), `gh:PREFIX` (GitHub/npm
 * checksummed token), `uuid`, `jwt`, `k8sjwt`, `pem:LABEL` (a PEM block with real line breaks), `pemjson:LABEL`
 * (the same with literal \n), `basic:USER` (base64 of USER:random), `b64of:TEXT` (TEXT without `}`). A `#label` suffix reuses the value
 * of an earlier marker with the same label.
 */
export function expand(template: string, r: Rng, labels = new Map<string, string>()): string {
  return template.replace(/@\{([a-zA-Z0-9]+)(?::([^}#]*))?(?:#([a-z0-9]+))?\}/g, (_m, kind: string, arg: string | undefined, label: string | undefined) => {
    if (label && labels.has(label)) return labels.get(label)!;
    let v: string;
    const a = arg ?? '';
    if (ALPHABETS[kind]) v = randomOf(r, ALPHABETS[kind]!, Number(a));
    else if (kind === 'gh') v = checksummed(r, a);
    else if (kind === 'uuid') v = uuid(r);
    else if (kind === 'jwt') v = jwt(r);
    else if (kind === 'k8sjwt') v = jwt(r, JSON.stringify({ iss: 'kubernetes/serviceaccount', 'kubernetes.io/serviceaccount/namespace': 'default', sub: 'system:serviceaccount:default:builder' }));
    else if (kind === 'pem') v = `-----BEGIN ${a}-----\n${pemBody(r, 6, '\n')}\n-----END ${a}-----`;
    else if (kind === 'pemjson') v = `-----BEGIN ${a}-----\\n${pemBody(r, 6, '\\n')}\\n-----END ${a}-----\\n`;
    else if (kind === 'basic') v = Buffer.from(`${a}:${randomOf(r, ALPHABETS.b62!, 20)}`).toString('base64');
    else if (kind === 'b64of') v = Buffer.from(a).toString('base64');
    else throw new Error(`unknown marker kind '${kind}'`);
    if (label) labels.set(label, v);
    return v;
  });
}
