// The keyword automaton's two modes (trie walk with failure links before the dense table exists, the table after)
// against each other and against a naive search, on random keyword sets and texts: the same hits, in the same order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeywordAutomaton } from '../../src/matcher/aho.js';

function hits(a: KeywordAutomaton, text: string): Array<[string, number]> {
  const n = a.scanAll(text);
  const out: Array<[string, number]> = [];
  for (let i = 0; i < n; i++) out.push([a.keywords[a.hitKw[i]!]!, a.hitEnd[i]!]);
  return out;
}

/** Every (keyword, end) by brute force, ordered by end then as the automaton reports ties (sorted here). */
function naive(keywords: string[], text: string): Array<[string, number]> {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const out: Array<[string, number]> = [];
  for (const k of keywords) for (let i = lower.indexOf(k); i !== -1; i = lower.indexOf(k, i + 1)) out.push([k, i + k.length]);
  return out;
}

const sortHits = (h: Array<[string, number]>): Array<[string, number]> => [...h].sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

describe('keyword automaton', () => {
  it('trie mode and table mode give the same hits as a naive search (random keywords and texts)', () => {
    const alpha = fc.constantFrom('a', 'b', 'c', 'A', 'B', '_', '-', 'é', '\n', 'ab', 'aba', 'ba');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.array(fc.constantFrom('a', 'b', 'c', '_', '-'), { minLength: 1, maxLength: 5 }).map((x) => x.join('')), { minLength: 1, maxLength: 12 }),
        fc.array(alpha, { maxLength: 200 }).map((x) => x.join('')),
        (keywords, text) => {
          const trie = new KeywordAutomaton(keywords, Infinity);
          const table = new KeywordAutomaton(keywords, 0);
          const a = hits(trie, text);
          expect(a).toEqual(hits(table, text));
          expect(sortHits(a)).toEqual(sortHits(naive(keywords, text)));
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });

  it('grows its hit buffers past their first 1,024 hits in both modes', () => {
    const text = 'ab-'.repeat(3000);
    for (const after of [Infinity, 0]) {
      const a = new KeywordAutomaton(['ab', 'b-'], after);
      expect(a.scanAll(text)).toBe(6000);
      expect(hits(a, text).slice(-2)).toEqual([['ab', 8999], ['b-', 9000]]);
    }
  });

  it('switches to the table after the threshold and keeps giving the same hits', () => {
    const kws = ['aws_', 'akia', 'ghp_', 'password', 'token'];
    const lazy = new KeywordAutomaton(kws, 100);
    const table = new KeywordAutomaton(kws, 0);
    const text = 'x AKIA y ghp_ password=token aws_secret PassWord '.repeat(5);
    for (let i = 0; i < 4; i++) expect(hits(lazy, text)).toEqual(hits(table, text));
  });
});

describe('keyword hits derived from a base text (derive)', () => {
  /** A random edit of `base`, as git's deltas describe one: copies of base ranges and inserted text, in any order. */
  const edit = (base: string, pieces: Array<{ copy: boolean; a: number; b: number; ins: string }>): { text: string; runs: number[] } => {
    let text = '';
    const runs: number[] = [];
    for (const p of pieces) {
      if (p.copy && base.length > 0) {
        const s = p.a % base.length;
        const e = Math.min(base.length, s + (p.b % 40) + 1);
        const n = runs.length;
        if (n > 0 && runs[n - 3]! + runs[n - 2]! === text.length && runs[n - 1]! + runs[n - 2]! === s) runs[n - 2]! += e - s;
        else runs.push(text.length, e - s, s);
        text += base.slice(s, e);
      } else text += p.ins;
    }
    return { text, runs };
  };

  it('equals scanAll on the edited text, for random keywords, bases and edits', () => {
    const alpha = fc.constantFrom('a', 'b', 'c', 'A', 'B', '_', '-', '\n', 'ab', 'aba', 'ba', 'key', 'KEY_');
    const str = fc.array(alpha, { maxLength: 120 }).map((x) => x.join(''));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.array(fc.constantFrom('a', 'b', 'c', '_', '-', 'k', 'e', 'y'), { minLength: 1, maxLength: 6 }).map((x) => x.join('')), { minLength: 1, maxLength: 12 }),
        str,
        fc.array(fc.record({ copy: fc.boolean(), a: fc.nat(200), b: fc.nat(200), ins: str }), { maxLength: 12 }),
        (keywords, base, pieces) => {
          const ac = new KeywordAutomaton(keywords, 0);
          const { text, runs } = edit(base, pieces);
          const want = hits(ac, text);
          const baseHits = ac.hits(ac.scanAll(base));
          const got = ac.derive(baseHits, Int32Array.from(runs), text.length, (a, b) => text.slice(a, b));
          const list: Array<[string, number]> = [];
          for (let i = 0; i < got.count; i++) list.push([ac.keywords[got.kw[i]!]!, got.end[i]!]);
          expect(list).toEqual(want);
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('keeps the base hits of long copied runs and scans only near the edits', () => {
    const ac = new KeywordAutomaton(['password', 'token'], 0);
    const base = 'x'.repeat(1000) + 'password=1\n' + 'y'.repeat(1000) + 'token\n';
    const text = 'NEW token\n' + base;
    const got = ac.derive(ac.hits(ac.scanAll(base)), Int32Array.from([10, base.length, 0]), text.length, (a, b) => text.slice(a, b));
    expect([...got.end.subarray(0, got.count)]).toEqual([9, 1018, 2026]);
  });
});
