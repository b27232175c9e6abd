// The reusable inflater (src/sources/git/inflate.ts) against Node's public zlib API, on both of its paths.
import { spawnSync } from 'node:child_process';
import { deflateSync, deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { InflateError, inflateExact, inflateHead, inflateSource, useInflateSource, type InflateSource } from '../../src/sources/git/inflate.js';

function text(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // Mostly text with repeats, some noise: dynamic Huffman blocks with matches.
    b[i] = i % 97 < 60 ? 97 + (i % 26) : 32 + ((x >>> 16) % 90);
  }
  return b;
}

describe.each<[string, InflateSource]>([
  ['the zlib binding', 'binding'],
  ['a zlib stream\'s handle', 'stream'],
  ['the public API', 'public'],
])('inflate through %s', (_name, source) => {
  afterEach(() => useInflateSource(null));
  const native = source !== 'public';

  it('inflates streams of many sizes exactly, with trailing bytes after the stream ignored', () => {
    useInflateSource(source);
    for (const n of [0, 1, 63, 64, 65, 1000, 32 * 1024, 64 * 1024 + 3, 300_000]) {
      expect(inflateSource() === null || inflateSource() === source).toBe(true);
      const data = text(n, n + 1);
      const z = Buffer.concat([deflateSync(data), Buffer.from('next entry bytes')]);
      const out = inflateExact(z, n);
      expect(out.equals(data)).toBe(true);
    }
    expect(inflateSource()).toBe(source);
  });

  it('a transient result is a view reused by the next call; a normal one is its own', () => {
    useInflateSource(source);
    const a = text(5000, 1);
    const b = text(5000, 2);
    const kept = inflateExact(deflateSync(a), a.length);
    const t1 = inflateExact(deflateSync(a), a.length, true);
    expect(t1.equals(a)).toBe(true);
    const t2 = inflateExact(deflateSync(b), b.length, true);
    expect(t2.equals(b)).toBe(true);
    expect(kept.equals(a)).toBe(true);
    if (native) expect(t1.buffer).toBe(t2.buffer);
  });

  it('a truncated stream, a corrupt one, and a size mismatch each raise InflateError, and the next call still works', () => {
    useInflateSource(source);
    const data = text(20_000, 7);
    const z = deflateSync(data);
    expect(() => inflateExact(z.subarray(0, z.length - 40), data.length)).toThrow(InflateError);
    const bad = Buffer.from(z);
    bad[0] = 0x00; // not a zlib header
    expect(() => inflateExact(bad, data.length)).toThrow(InflateError);
    expect(() => inflateExact(z, data.length - 1)).toThrow(/more than|header says/);
    expect(() => inflateExact(z, data.length + 1)).toThrow(/header says/);
    expect(inflateExact(z, data.length).equals(data)).toBe(true);
  });

  it('inflateHead returns the first bytes from a prefix of the stream', () => {
    useInflateSource(source);
    const data = text(100_000, 3);
    const z = deflateSync(data);
    expect(inflateHead(z.subarray(0, 600), 32).equals(data.subarray(0, 32))).toBe(true);
    expect(inflateHead(z, 16).equals(data.subarray(0, 16))).toBe(true);
    // A raw deflate stream (no zlib header) is rejected.
    expect(() => inflateHead(deflateRawSync(data), 16)).toThrow(InflateError);
  });
});

describe('the default source', () => {
  it('is the zlib binding on the Node major it was checked on (20), else a stream handle', () => {
    useInflateSource(null);
    inflateExact(deflateSync(Buffer.from('x')), 1);
    const major = Number(process.versions.node.split('.')[0]);
    expect(inflateSource()).toBe(major === 20 ? 'binding' : 'stream');
  });
});

describe('under --pending-deprecation', () => {
  it('does not touch process.binding (no deprecation warning) and inflates through a stream handle', () => {
    const mod = new URL('../../dist/src/sources/git/inflate.js', import.meta.url).href;
    const code = `import { inflateExact, inflateSource } from ${JSON.stringify(mod)}; import { deflateSync } from 'node:zlib';
      const out = inflateExact(deflateSync(Buffer.from('hello')), 5); console.log(out.toString(), inflateSource());`;
    const r = spawnSync(process.execPath, ['--pending-deprecation', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('hello stream');
    expect(r.stderr).not.toContain('DeprecationWarning');
    // The check is real: process.binding itself warns under this flag.
    const w = spawnSync(process.execPath, ['--pending-deprecation', '-e', "process.binding('zlib')"], { encoding: 'utf8' });
    expect(w.stderr).toContain('DeprecationWarning');
  });
});
