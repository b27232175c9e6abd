import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_KDF,
  clearIdentityCache,
  createBaseline,
  estimatedEntropyBits,
  hashSecret,
  identify,
  isLowEntropy,
  load,
  merge,
  prepareIdentities,
  save,
  serialize,
} from '../../src/baseline/index.js';
import { AWS_ID, AWS_SECRET, C1, C2, GH_TOKEN, PASSWORD, PASSWORD2, commitRef, finding, occ, tempDir } from './helpers.js';

const NOW = '2025-03-01T12:00:00Z';

describe('baseline identity', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('is <ruleId>:<16 hex>, stable across reloads, and depends on the salt', () => {
    const b = createBaseline();
    const id = identify(b, 'aws.secret-key', AWS_SECRET);
    expect(id.key).toMatch(/^aws\.secret-key:[0-9a-f]{16}$/);
    expect(id.hash.startsWith(id.key.split(':')[1]!)).toBe(true);
    clearIdentityCache();
    const again = identify(JSON.parse(serialize(b)) as typeof b, 'aws.secret-key', AWS_SECRET);
    expect(again).toEqual(id);
    expect(identify(createBaseline(), 'aws.secret-key', AWS_SECRET).hash).not.toBe(id.hash);
    expect(identify(b, 'other.rule', AWS_SECRET).key).not.toBe(id.key);
  });

  it('uses scrypt below the entropy threshold and HMAC above it', () => {
    expect(isLowEntropy(PASSWORD, DEFAULT_KDF)).toBe(true);
    expect(isLowEntropy(PASSWORD2, DEFAULT_KDF)).toBe(true);
    expect(isLowEntropy('correct horse battery staple', DEFAULT_KDF)).toBe(true);
    expect(isLowEntropy(AWS_SECRET, DEFAULT_KDF)).toBe(false);
    expect(isLowEntropy(GH_TOKEN, DEFAULT_KDF)).toBe(false);
    expect(estimatedEntropyBits(PASSWORD2)).toBeLessThan(25);
    const b = createBaseline();
    expect(hashSecret(b, PASSWORD).alg).toBe('scrypt');
    expect(hashSecret(b, AWS_SECRET).alg).toBe('hmac-sha256');
  });

  it('prepareIdentities (async, thread pool) gives the same hashes as the sync path', async () => {
    const b = createBaseline();
    const secrets = ['pw-one!', 'pw-two?', AWS_SECRET];
    await prepareIdentities(b, secrets);
    const warm = secrets.map((s) => hashSecret(b, s).hash);
    clearIdentityCache();
    expect(secrets.map((s) => hashSecret(b, s).hash)).toEqual(warm);
  });

  it('moving code (line numbers shift, another file, another commit) changes no identity', () => {
    const before = [
      finding('aws.secret-key', AWS_SECRET, { occurrences: [occ('app/config.py', 12, C1, true)] }),
      finding('generic.password', PASSWORD, { occurrences: [occ('app/db.py', 3, C1, true)] }),
    ];
    const b1 = merge(createBaseline(), before, { now: NOW, scope: 'full' }).baseline;
    const moved = [
      finding('aws.secret-key', AWS_SECRET, {
        occurrences: [occ('app/config.py', 12, C1, true), occ('app/settings/config.py', 72, C2)],
        introducedIn: [commitRef(C1)],
      }),
      finding('generic.password', PASSWORD, { occurrences: [occ('app/db.py', 3, C1, true), occ('app/db.py', 63, C2)] }),
    ];
    const r = merge(b1, moved, { now: NOW, scope: 'full' });
    expect(r.added).toEqual([]);
    expect(Object.keys(r.baseline.entries)).toEqual(Object.keys(b1.entries));
    for (const k of Object.keys(b1.entries)) {
      expect(r.baseline.entries[k]!.hash).toBe(b1.entries[k]!.hash);
      expect(r.baseline.entries[k]!.triage).toEqual(b1.entries[k]!.triage);
    }
    expect(r.classification.counts['known-open']).toBe(2);
  });

  it('a different secret with the same rule at the same path and line is a new entry (content identity)', () => {
    const b1 = merge(createBaseline(), [finding('generic.password', PASSWORD, { occurrences: [occ('app/db.py', 3, C1, true)] })], {
      now: NOW,
      scope: 'full',
    }).baseline;
    const r = merge(b1, [finding('generic.password', 'Winter2025?', { occurrences: [occ('app/db.py', 3, C2, true)], introducedIn: [commitRef(C2)] })], {
      now: NOW,
      scope: 'partial',
    });
    expect(r.added).toHaveLength(1);
    expect(r.classification.items[0]!.class).toBe('new');
    expect(Object.keys(r.baseline.entries)).toHaveLength(2);
  });

  it('two secrets whose keys collide on 16 hex get distinct, longer keys', () => {
    const b = createBaseline();
    const real = identify(b, 'r', AWS_SECRET);
    // plant an entry that takes this key with a different hash (as if another secret collided on 64 bits)
    const other = { ...merge(b, [finding('r', GH_TOKEN)], { now: NOW, scope: 'full' }).baseline };
    const [k0] = Object.keys(other.entries);
    const planted = structuredClone(other.entries[k0!]!);
    planted.hash = real.hash.slice(0, 16) + 'f'.repeat(48);
    const b2 = { ...b, entries: { [real.key]: planted } };
    const r = merge(b2, [finding('r', AWS_SECRET)], { now: NOW, scope: 'partial' });
    expect(r.added).toEqual([`r:${real.hash.slice(0, 24)}`]);
    expect(identify(r.baseline, 'r', AWS_SECRET).key).toBe(`r:${real.hash.slice(0, 24)}`);
  });

  it('the saved file never contains a planted secret, in plain text, base64, hex or as its unsalted SHA-1', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const secrets = [AWS_ID, AWS_SECRET, GH_TOKEN, PASSWORD, PASSWORD2, 'correct horse battery staple'];
    const b = merge(
      createBaseline(),
      secrets.map((s, i) => finding(`rule${i}`, s)),
      { now: NOW, scope: 'full' },
    ).baseline;
    const f = join(t.dir, 'b.json');
    save(f, b);
    const bytes = readFileSync(f);
    const text = bytes.toString('latin1');
    const { createHash } = await import('node:crypto');
    for (const s of secrets) {
      const forms = [
        s,
        Buffer.from(s).toString('base64'),
        Buffer.from(s).toString('base64url'),
        Buffer.from(s).toString('hex'),
        JSON.stringify(s).slice(1, -1),
        createHash('sha1').update(s).digest('hex'),
        createHash('sha256').update(s).digest('hex'),
      ];
      for (const form of forms) expect(text.includes(form), `${form} in file`).toBe(false);
      // nor a recognisable chunk of it
      if (s.length >= 12) expect(text.includes(s.slice(2, 12))).toBe(false);
    }
    expect(Object.keys(load(f).entries)).toHaveLength(secrets.length);
  });
});
