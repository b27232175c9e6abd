// Path globs: lazyGlob answers exactly as picomatch does, including when its literal-run shortcut (globNeedles)
// says "no" without compiling anything.
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { globNeedles, lazyGlob } from '../../src/matcher/index.js';

const PARTS = ['src', 'node_modules', '.git', 'a', 'b.js', 'x.min.js', 'y.js.map', 'test', 'fixtures', '.env', 'lib', 'ä'];
const GLOB_PARTS = ['**', '*', 'src', 'node_modules', '.git', '*.js', '*.js.map', 'test*', '*fixtures*', '.env', 'lib', '?', '[ab]*', '{a,b}.js', '!(x)'];

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

describe('lazyGlob', () => {
  it('equals picomatch on random globs and paths (simple globs take the literal shortcut, others do not)', () => {
    const r = rng(7);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
    let shortcut = 0;
    for (let t = 0; t < 400; t++) {
      const globs = Array.from({ length: 1 + Math.floor(r() * 3) }, () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(GLOB_PARTS)).join('/'));
      const needles = globNeedles(globs);
      const lazy = lazyGlob(globs);
      const ref = picomatch(globs, { dot: true });
      for (let k = 0; k < 25; k++) {
        const path = Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick(PARTS)).join('/');
        expect(lazy(path), `${JSON.stringify(globs)} ${path}`).toBe(ref(path));
        if (needles !== null && !needles.some((n) => path.includes(n))) shortcut++;
      }
    }
    expect(shortcut).toBeGreaterThan(100);
  });

  it('finds the literal runs of the default allowlist, and gives up on other syntax', () => {
    expect(globNeedles(['**/node_modules/**', '**/*.js.map'])).toEqual(['node_modules', '.js.map']);
    expect(globNeedles(['**/*'])).toBeNull();
    expect(globNeedles(['src/{a,b}/*.ts'])).toBeNull();
    expect(globNeedles(['test/[ab].js'])).toBeNull();
  });
});
