// Recycled tree memory (ObjectStoreOptions.recycleTrees): trees are cut from slabs that are handed out again once no
// cache and no diff in progress holds them. With tiny caches and slabs (memory reused constantly), every diff of a
// history whose trees are deltified in a pack must equal the diffs of a store that never reuses memory; a tree read
// outside a TreeCache is a copy that stays intact.
import { describe, expect, it, afterAll } from 'vitest';
import { TreeCache, openRepository, walkHistory, listRefs } from '../../src/sources/git/index.js';
import { cleanup, git, initRepo, tempDir } from './fixtures.js';

afterAll(cleanup);

/**
 * A history of nested directories (12 x 5 of 25 files: trees of ~1 KB, trimmed when diffed) where each commit edits,
 * adds or deletes files in several of them, so that a diff goes back to a tree after reading others.
 */
function buildRepo(): string {
  const dir = initRepo(tempDir('lh-recycle-'));
  const files = new Map<string, number>();
  for (let d = 0; d < 12; d++) for (let e = 0; e < 5; e++) for (let i = 0; i < 25; i++) files.set(`dir${d}/sub${e}/file-${String(i).padStart(3, '0')}.txt`, d * 1000 + e * 100 + i);
  let rng = 7;
  const rand = (n: number): number => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff) % n);
  const lines: string[] = [];
  let mark = 0;
  const blob = (v: number): string => {
    mark++;
    const data = `content ${v}\n`;
    lines.push('blob', `mark :${mark}`, `data ${Buffer.byteLength(data)}`, data);
    return `:${mark}`;
  };
  for (let c = 0; c < 300; c++) {
    const ops: string[] = [];
    if (c === 0) for (const [p, v] of files) ops.push(`M 100644 ${blob(v)} ${p}`);
    else {
      for (let k = 0; k < 3 + rand(6); k++) {
        const keys = [...files.keys()];
        const p = keys[rand(keys.length)]!;
        const r = rand(10);
        if (r === 0) {
          files.delete(p);
          ops.push(`D ${p}`);
        } else {
          const q = r === 1 ? `${p.slice(0, p.lastIndexOf('/'))}/new-${c}-${k}.txt` : p;
          files.set(q, c * 1000 + k);
          ops.push(`M 100644 ${blob(c * 1000 + k)} ${q}`);
        }
      }
    }
    const msg = `commit ${c}\n`;
    lines.push('commit refs/heads/main', `committer A <a@example.com> ${1700000000 + c * 60} +0000`, `data ${msg.length}`, msg);
    lines.push(...ops, '');
  }
  git(dir, ['fast-import', '--quiet'], lines.join('\n') + '\n');
  // One pack, trees stored as deltas of each other.
  git(dir, ['repack', '-adf', '--depth=50', '--window=50']);
  return dir;
}

/** Slabs of 8 KiB (trees up to 2 KiB cut from them), a 16 KiB delta cache. */
const TINY = { recycleTrees: true, treeSlabBytes: 8 * 1024, deltaCacheBytes: 16 * 1024 };

describe('recycled tree memory', () => {
  it('gives the same diffs as fresh memory while reusing slabs, and copies trees read outside a TreeCache', () => {
    const dir = buildRepo();
    const walkAll = (recycle: boolean): { diffs: string[]; slabs: { slabs: number; reuses: number }; treeBytes: number } => {
      const { repo, store } = openRepository(dir, recycle ? TINY : {});
      // Caches far smaller than the trees a diff holds: trees leave both caches while diffs still use them.
      const trees = new TreeCache(store, recycle ? 4 * 1024 : 64 * 1024 * 1024);
      const diffs: string[] = [];
      for (const ev of walkHistory(store, { tips: listRefs(repo).map((r) => r.oid), trees })) {
        if (ev.kind === 'commit') diffs.push(JSON.stringify([ev.oid, ev.diffs]));
      }
      const out = { diffs, slabs: store.treeSlabStats, treeBytes: store.stats.bytesRead };
      store.close();
      return out;
    };
    const fresh = walkAll(false);
    const recycled = walkAll(true);
    expect(recycled.diffs.length).toBe(300);
    expect(recycled.diffs).toEqual(fresh.diffs);
    // Memory was reused many times over, from few slabs.
    expect(recycled.treeBytes).toBeGreaterThan(100 * 8 * 1024);
    expect(recycled.slabs.reuses).toBeGreaterThan(30);
    expect(recycled.slabs.slabs).toBeLessThan(10);

    // store.read of a recycled tree is a copy: intact after the memory it came from was reused.
    const { repo, store } = openRepository(dir, TINY);
    const trees = new TreeCache(store, 4 * 1024);
    const tip = listRefs(repo)[0]!.oid;
    const root = store.readAs(tip, 'commit').toString('latin1').slice(5, 45);
    const copy = Buffer.from(store.readAs(root, 'tree'));
    const read = store.readAs(root, 'tree');
    for (const ev of walkHistory(store, { tips: [tip], trees })) void ev;
    expect(store.treeSlabStats.reuses).toBeGreaterThan(0);
    expect(read.equals(copy)).toBe(true);
    store.close();
  });
});
