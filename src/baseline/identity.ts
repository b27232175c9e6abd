// Identity of a secret inside one baseline: rule id + a keyed hash of the secret.
// Owns: the choice of derivation (HMAC-SHA-256 vs scrypt), the key text users type, and the per-process cache.
// May import: types, errors, ./format, node:crypto.
//
// Why two derivations. The file is committed, so anyone who can read the repository can read the hashes. For a
// random token (an AWS secret key, a GitHub token) a keyed HMAC is enough: nobody can enumerate 2^128+ candidates.
// For a short human-chosen password, a fast hash lets the reader confirm a guess at GPU speed (detect-secrets stores
// unsalted SHA-1: "is the prod DB password `Summer2024!`?" costs nanoseconds). The salt is in the same file, so it
// does not help against that. Hence: a secret whose estimated entropy is below `kdf.lowEntropyBelowBits`
// (default 128 bits, estimated as code points × Shannon bits per code point of the secret itself) is hashed with
// scrypt(secret, salt, N=2^14, r=8, p=1, 32 bytes) — about 16 MiB and ~50 ms per guess on one core of the
// development machine (see bench/baseline-kdf.ts), i.e. ~10^6 times the cost of an HMAC per guess.
// Examples of the estimate: `hunter2` 20 bits, `Summer2024!` 35, `correct horse battery staple` 101,
// a 32-hex key ~125 (all scrypt); a 40-char AWS secret key ~210, `ghp_` + 36 chars ~200, a UUID ~140 (HMAC).
// The choice depends only on the secret and the stored threshold, so an identity never changes between runs.
// Cost: one scrypt per distinct low-entropy secret per run (cached for the process); `prepareIdentities` spreads
// them over libuv's thread pool.
import { createHmac, scrypt, scryptSync } from 'node:crypto';
import { KEY_HASH_CHARS, type Baseline, type HashAlg, type KdfSettings } from './format.js';

export interface Identity {
  /** The key users type: `<ruleId>:<first 16 hex of hash>` (longer only if two entries of a rule share 64 bits). */
  key: string;
  ruleId: string;
  /** 64 hex. */
  hash: string;
  alg: HashAlg;
}

/** Shannon entropy of the secret's own code-point distribution, bits per code point. */
export function shannonBitsPerChar(secret: string): number {
  const chars = [...secret];
  if (chars.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const k of counts.values()) {
    const p = k / chars.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Estimated total entropy in bits: code points × Shannon bits per code point. */
export function estimatedEntropyBits(secret: string): number {
  return [...secret].length * shannonBitsPerChar(secret);
}

export function isLowEntropy(secret: string, kdf: KdfSettings): boolean {
  return estimatedEntropyBits(secret) < kdf.lowEntropyBelowBits;
}

const MAXMEM = 256 * 1024 * 1024;
const cacheByBaseline = new Map<string, Map<string, { hash: string; alg: HashAlg }>>();

function cacheFor(salt: string, kdf: KdfSettings): Map<string, { hash: string; alg: HashAlg }> {
  const id = salt + JSON.stringify(kdf);
  let c = cacheByBaseline.get(id);
  if (!c) {
    c = new Map();
    cacheByBaseline.set(id, c);
  }
  return c;
}

/** Forget every cached derivation (they are kept for the life of the process otherwise). */
export function clearIdentityCache(): void {
  cacheByBaseline.clear();
}

/** The keyed hash of a secret under a baseline's salt and kdf settings (cached). */
export function hashSecret(b: Pick<Baseline, 'salt' | 'kdf'>, secret: string): { hash: string; alg: HashAlg } {
  const cache = cacheFor(b.salt, b.kdf);
  const hit = cache.get(secret);
  if (hit) return hit;
  const salt = Buffer.from(b.salt, 'hex');
  let out: { hash: string; alg: HashAlg };
  if (isLowEntropy(secret, b.kdf)) {
    const { N, r, p, keylen } = b.kdf.scrypt;
    out = { hash: scryptSync(secret, salt, keylen, { N, r, p, maxmem: MAXMEM }).toString('hex'), alg: 'scrypt' };
  } else {
    out = { hash: createHmac('sha256', salt).update(secret, 'utf8').digest('hex'), alg: 'hmac-sha256' };
  }
  cache.set(secret, out);
  return out;
}

/**
 * Compute (in parallel, on the thread pool) and cache the hashes of many secrets, so that the synchronous
 * `identify` / `merge` / `classify` that follow do no slow work. Call before `merge`/`classify` on large runs.
 */
export async function prepareIdentities(b: Pick<Baseline, 'salt' | 'kdf'>, secrets: Iterable<string>): Promise<void> {
  const cache = cacheFor(b.salt, b.kdf);
  const salt = Buffer.from(b.salt, 'hex');
  const { N, r, p, keylen } = b.kdf.scrypt;
  const jobs: Promise<void>[] = [];
  for (const secret of new Set(secrets)) {
    if (cache.has(secret)) continue;
    if (!isLowEntropy(secret, b.kdf)) {
      hashSecret(b, secret);
      continue;
    }
    jobs.push(
      new Promise<void>((resolve, reject) => {
        scrypt(secret, salt, keylen, { N, r, p, maxmem: MAXMEM }, (err, key) => {
          if (err) return reject(err);
          cache.set(secret, { hash: key.toString('hex'), alg: 'scrypt' });
          resolve();
        });
      }),
    );
  }
  await Promise.all(jobs);
}

/** The default key of an identity (16 hex of the hash). */
export function keyOf(ruleId: string, hash: string, hexChars = KEY_HASH_CHARS): string {
  return `${ruleId}:${hash.slice(0, hexChars)}`;
}

/**
 * The baseline identity of `secret` found by rule `ruleId`. If the baseline already holds this identity the key is
 * that entry's key; otherwise it is the shortest key (16, 24, ... hex) not taken by a different secret.
 */
export function identify(b: Baseline, ruleId: string, secret: string): Identity {
  const { hash, alg } = hashSecret(b, secret);
  return { key: keyFor(b.entries, ruleId, hash), ruleId, hash, alg };
}

/** Key for (ruleId, hash) given existing entries: the existing one, or the shortest free one. */
export function keyFor(entries: Baseline['entries'], ruleId: string, hash: string): string {
  let free: string | undefined;
  for (let n = KEY_HASH_CHARS; n <= hash.length; n += 8) {
    const k = keyOf(ruleId, hash, n);
    const e = entries[k];
    if (e && e.ruleId === ruleId && e.hash === hash) return k;
    if (!e) free ??= k;
  }
  return free ?? keyOf(ruleId, hash, hash.length);
}
