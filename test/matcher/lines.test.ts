// LineIndex: the line of a keyword hit found by searching around it must be the line the full index gives, for
// every offset, in any order of queries, and past the point where it switches to the index.
import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../src/matcher/index.js';

function randomText(seed: number, n: number): string {
  let x = seed;
  let t = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const r = (x >>> 16) % 100;
    t += r < 8 ? '\n' : r < 10 ? '\r' : r < 11 ? '\u{1F600}' : String.fromCharCode(97 + (r % 26));
  }
  return t;
}

/** Reference: [start, end) of the line holding `offset`, by counting from the start. */
function reference(t: string, offset: number): [number, number] {
  let s = 0;
  for (let i = 0; i < offset; i++) if (t[i] === '\n') s = i + 1;
  let e = t.indexOf('\n', offset);
  if (e === -1) e = t.length;
  return [s, e];
}

describe('LineIndex.lineBounds', () => {
  it('equals the reference for every offset, forwards, backwards and at random, before and after the index exists', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const t = randomText(seed, 1 + (seed * 37) % 400) + (seed % 3 === 0 ? '\n' : '');
      const orders = [
        [...Array(t.length).keys()],
        [...Array(t.length).keys()].reverse(),
        [...Array(t.length).keys()].map((i) => (i * 7919) % t.length),
      ];
      for (const order of orders) {
        const lines = new LineIndex(t, 'u');
        for (const o of order) expect(lines.lineBounds(o), `seed ${seed} offset ${o}`).toEqual(reference(t, o));
      }
      // With the index built first (a match asked for a position).
      const indexed = new LineIndex(t, 'u');
      indexed.position(0);
      for (let o = 0; o < t.length; o++) expect(indexed.lineBounds(o)).toEqual(reference(t, o));
    }
  });

  it('switches to the index on one long line with many hits, with the same answers', () => {
    const t = 'x'.repeat(50_000) + '\n' + 'y'.repeat(10) + '\nz';
    const lines = new LineIndex(t, 'u');
    for (let o = 0; o < t.length; o += 97) expect(lines.lineBounds(o)).toEqual(reference(t, o));
    // Many queries, each outside the last line found, on alternating lines: the searches stay bounded.
    for (let k = 0; k < 200; k++) {
      expect(lines.lineBounds(k % 2 ? 50_003 : 10)).toEqual(k % 2 ? [50_001, 50_011] : [0, 50_000]);
    }
    expect(lines.lineBounds(t.length - 1)).toEqual([50_012, 50_013]);
  });
});
