// The tree differ's trimming of large trees (walk.ts: common prefix and suffix found by native comparisons, then the
// merge walk over the entries between) against the plain merge walk, on random pairs of trees written by
// isomorphic-git into a real repository: every change, in the same order, whatever the edits.
import fc from 'fast-check';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { afterAll, describe, expect, it } from 'vitest';
import { TreeCache, diffTrees, openRepository, type TreeChange } from '../../src/sources/git/index.js';
import { cleanup, git as gitCli, tempDir } from './fixtures.js';

afterAll(cleanup);

type Spec = Array<{ name: string; kind: 'file' | 'exec' | 'dir' | 'link'; v: number }>;

const oidOf = (v: number): string => v.toString(16).padStart(8, '0').repeat(5);

async function writeSpec(dir: string, spec: Spec, depth = 0): Promise<string> {
  const seen = new Set<string>();
  const tree: Array<{ mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' }> = [];
  for (const e of spec) {
    if (seen.has(e.name)) continue;
    seen.add(e.name);
    if (e.kind === 'dir' && depth < 2) {
      // A small subtree whose content depends on v: equal v, equal subtree oid.
      const sub: Spec = [
        { name: 'a.txt', kind: 'file', v: e.v },
        { name: `f${e.v % 7}.js`, kind: 'file', v: e.v * 3 },
      ];
      tree.push({ mode: '040000', path: e.name, oid: await writeSpec(dir, sub, depth + 1), type: 'tree' });
    } else if (e.kind === 'link') tree.push({ mode: '120000', path: e.name, oid: oidOf(e.v), type: 'blob' });
    else tree.push({ mode: e.kind === 'exec' ? '100755' : '100644', path: e.name, oid: oidOf(e.v), type: 'blob' });
  }
  return git.writeTree({ fs, dir, tree });
}

// Names that share long prefixes (one directory's files look alike) and sort around the '/' of subtrees.
const name = fc.oneof(
  fc.stringMatching(/^[a-c]{1,3}$/),
  fc.integer({ min: 0, max: 400 }).map((n) => `file-${String(n).padStart(4, '0')}.txt`),
  fc.constantFrom('a', 'a.b', 'a-b', 'a0', 'ab'),
);
const entry = fc.record({ name, kind: fc.constantFrom('file', 'file', 'file', 'exec', 'dir', 'link'), v: fc.integer({ min: 1, max: 6 }) }) as fc.Arbitrary<Spec[number]>;
const edit = fc.oneof(
  fc.record({ op: fc.constant('change' as const), at: fc.nat(), v: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('mode' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), e: entry }),
);

interface Edit {
  op: 'change' | 'mode' | 'delete' | 'add';
  at?: number;
  v?: number;
  e?: Spec[number];
}

function applyEdits(spec: Spec, edits: Edit[]): Spec {
  const out = spec.map((e) => ({ ...e }));
  for (const ed of edits) {
    if (ed.op === 'add' && ed.e) out.push({ ...ed.e });
    else if (out.length > 0) {
      const i = (ed.at ?? 0) % out.length;
      if (ed.op === 'change') out[i]!.v = ed.v ?? 1;
      else if (ed.op === 'mode') out[i]!.kind = out[i]!.kind === 'file' ? 'exec' : 'file';
      else out.splice(i, 1);
    }
  }
  return out;
}

describe('tree diff trimming', () => {
  it('gives exactly the changes of the untrimmed merge walk on random pairs of large trees', async () => {
    const dir = tempDir('lh-trim-');
    gitCli(dir, ['init', '-q']);
    gitCli(dir, ['commit', '-q', '--allow-empty', '-m', 'root']);
    const { store } = openRepository(dir);
    const diff = (a: string | null, b: string | null, trimAbove: number): TreeChange[] => {
      const out: TreeChange[] = [];
      // A fresh cache each time: trimming must not depend on what an earlier diff left cached.
      diffTrees(new TreeCache(store), a, b, out, { trimAbove });
      return out;
    };
    let trimmedPairs = 0;
    let derived = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 0, maxLength: 300 }), fc.array(edit, { maxLength: 6 }), fc.array(edit, { maxLength: 6 }), async (spec, edits, edits2) => {
        const a = await writeSpec(dir, spec);
        const b = await writeSpec(dir, applyEdits(spec, edits));
        const plain = diff(a, b, Number.POSITIVE_INFINITY);
        expect(diff(a, b, 0)).toEqual(plain);
        expect(diff(b, a, 0)).toEqual(diff(b, a, Number.POSITIVE_INFINITY));
        if (a !== b) trimmedPairs++;
        // A history: a -> b -> c through one cache, so that b's and c's entry starts are derived from their
        // predecessor's (not walked): every diff still equals the plain walk, and the derived starts equal a walk's.
        const c = await writeSpec(dir, applyEdits(applyEdits(spec, edits), edits2));
        const shared = new TreeCache(store);
        for (const [x, y] of [[a, b], [b, c], [c, a]] as const) {
          const out: TreeChange[] = [];
          diffTrees(shared, x, y, out, { trimAbove: 0 });
          expect(out).toEqual(diff(x, y, Number.POSITIVE_INFINITY));
          // Trimming (and so deriving) needs entries on both sides.
          if (x === y || shared.get(x).names.length === 0 || shared.get(y).names.length === 0) continue;
          const held = shared.hold(y);
          const known = held.starts;
          expect(known).not.toBeNull();
          const fresh = new TreeCache(store);
          const walked = fresh.hold(y);
          walked.starts = null;
          expect([...known!]).toEqual([...fresh.entryStarts(walked, y)]);
          fresh.release(walked);
          shared.release(held);
          derived++;
        }
      }),
      { numRuns: 150, seed: 20261129 },
    );
    expect(trimmedPairs).toBeGreaterThan(100);
    expect(derived).toBeGreaterThan(100);
    store.close();
  });
});
