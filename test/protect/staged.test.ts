// The staged source against git's own view of the staged change (`git diff --cached --name-status`), across index
// versions 2, 3 (extended flags: intent-to-add) and 4 (prefix-compressed paths), GIT_INDEX_FILE (relative and
// absolute), an unborn HEAD, deletions, type changes and the cache-tree shortcut.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readIndexFile, readStaged } from '../../src/sources/staged/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'lh-staged-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ENV = { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: tmp };
delete (ENV as Record<string, string | undefined>).GIT_INDEX_FILE;
const git = (cwd: string, args: string[], env: Record<string, string | undefined> = {}): string => execFileSync('git', args, { cwd, env: { ...ENV, ...env }, encoding: 'utf8' });

function gitView(dir: string, env: Record<string, string | undefined> = {}): string[] {
  const out = git(dir, ['-c', 'core.quotePath=false', 'diff', '--cached', '--no-renames', '--name-status'], env).trim();
  return out ? out.split('\n').map((l) => l.replace('\t', ' ')).sort() : [];
}
function ourView(dir: string, env: Record<string, string | undefined> = {}): string[] {
  const st = readStaged({ cwd: dir, env });
  st.store.close();
  return st.changes.map((c) => `${c.oldOid === null ? 'A' : c.newOid === null ? 'D' : c.oldMode !== c.newMode && (c.oldMode === '120000' || c.newMode === '120000') ? 'T' : 'M'} ${c.path}`).sort();
}

function repo(): string {
  const dir = mkdtempSync(join(tmp, 'r-'));
  git(dir, ['init', '-q', '-b', 'main']);
  return dir;
}

describe('staged changes', () => {
  it('an unborn HEAD: everything staged is added', () => {
    const dir = repo();
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'b.txt'), 'b\n');
    git(dir, ['add', '.']);
    expect(ourView(dir)).toEqual(['A a.txt', 'A d/b.txt']);
  });

  for (const version of ['2', '3', '4']) {
    it(`matches git diff --cached with index version ${version}`, () => {
      const dir = repo();
      for (let i = 0; i < 30; i++) {
        mkdirSync(join(dir, `dir${i % 5}`, 'deep'), { recursive: true });
        writeFileSync(join(dir, `dir${i % 5}`, 'deep', `file-with-a-long-shared-prefix-${i}.txt`), `v1 ${i}\n`);
      }
      writeFileSync(join(dir, 'gone.txt'), 'x\n');
      writeFileSync(join(dir, 'link-target.txt'), 't\n');
      git(dir, ['add', '.']);
      git(dir, ['commit', '-qm', 'base']);
      git(dir, ['update-index', '--index-version', version]);
      writeFileSync(join(dir, 'dir1', 'deep', 'file-with-a-long-shared-prefix-6.txt'), 'v2\n');
      writeFileSync(join(dir, 'dir3', 'new.txt'), 'new\n');
      rmSync(join(dir, 'gone.txt'));
      rmSync(join(dir, 'link-target.txt'));
      symlinkSync('dir0', join(dir, 'link-target.txt'));
      git(dir, ['add', '-A']);
      writeFileSync(join(dir, 'later.txt'), 'not yet\n');
      git(dir, ['add', '-N', 'later.txt']); // intent-to-add: extended flags (index v3+)
      expect(readIndexFile(join(dir, '.git', 'index')).version).toBe(version === '2' ? 3 : Number(version));
      const ours = ourView(dir).filter((l) => l !== 'A later.txt');
      expect(ours).toEqual(gitView(dir).filter((l) => l !== 'A later.txt'));
      expect(ours).toContain('M dir1/deep/file-with-a-long-shared-prefix-6.txt');
      expect(ours).toContain('D gone.txt');
    });
  }

  it('reads the index named by GIT_INDEX_FILE, relative to the current directory or absolute', () => {
    const dir = repo();
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    git(dir, ['add', '.']);
    git(dir, ['commit', '-qm', 'base']);
    // A second index with a different staged state, as `git commit -a` / `git commit <path>` make.
    writeFileSync(join(dir, 'a.txt'), 'changed\n');
    git(dir, ['add', 'a.txt'], { GIT_INDEX_FILE: '.git/other-index' });
    git(dir, ['read-tree', 'HEAD']);
    expect(ourView(dir)).toEqual([]);
    expect(ourView(dir, { GIT_INDEX_FILE: '.git/other-index' })).toEqual(['M a.txt']);
    expect(ourView(dir, { GIT_INDEX_FILE: join(dir, '.git', 'other-index') })).toEqual(['M a.txt']);
    expect(gitView(dir, { GIT_INDEX_FILE: '.git/other-index' })).toEqual(['M a.txt']);
  });

  it('a large unchanged tree is skipped through the cache-tree, and the result still matches git', () => {
    const dir = repo();
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(dir, `m${d}`));
      for (let f = 0; f < 20; f++) writeFileSync(join(dir, `m${d}`, `f${f}.txt`), `${d}/${f}\n`);
    }
    git(dir, ['add', '.']);
    git(dir, ['commit', '-qm', 'base']);
    expect(readIndexFile(join(dir, '.git', 'index')).cacheTree.size).toBeGreaterThan(0);
    writeFileSync(join(dir, 'm7', 'f3.txt'), 'changed\n');
    git(dir, ['add', '.']);
    expect(ourView(dir)).toEqual(gitView(dir));
    expect(ourView(dir)).toEqual(['M m7/f3.txt']);
  });

  // The merge walk against git on random trees and random staged changes: edits, additions, deletions, a file that
  // becomes a directory and back, mode and symlink changes, names that sort around '/' ('a-b', 'a.b', 'a/b'), and
  // non-ASCII names; with the cache-tree valid (after a commit), partly invalidated (git add) and absent (read-tree
  // without it), in index versions 2 and 4.
  for (let seed = 1; seed <= 6; seed++) {
    it(`matches git diff --cached on random changes (seed ${seed})`, () => {
      let x = seed * 2654435761;
      const rnd = (n: number): number => {
        x = (Math.imul(x ^ (x >>> 15), 2246822507) + 12345) >>> 0;
        return x % n;
      };
      const names = ['a', 'a-b', 'a.b', 'a0', 'b', 'é', 'z z', 'sub'];
      const dir = repo();
      const pathAt = (): string => {
        const depth = 1 + rnd(3);
        const parts: string[] = [];
        for (let d = 0; d < depth; d++) parts.push(names[rnd(names.length)]!);
        return parts.join('/');
      };
      const files = new Set<string>();
      const put = (p: string, text: string): void => {
        // Skip a path whose parent is a file or that is itself a directory already.
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) if (files.has(parts.slice(0, i).join('/'))) return;
        for (const f of files) if (f.startsWith(`${p}/`)) return;
        mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true });
        writeFileSync(join(dir, p), text);
        files.add(p);
      };
      for (let i = 0; i < 40; i++) put(pathAt(), `v0 ${i}\n`);
      git(dir, ['add', '-A']);
      git(dir, ['commit', '-qm', 'base']);
      if (seed % 3 === 0) git(dir, ['read-tree', 'HEAD']); // an index without a cache-tree
      if (seed % 2 === 0) git(dir, ['update-index', '--index-version', '4']);
      const list = [...files];
      for (let c = 0; c < 10; c++) {
        const f = list[rnd(list.length)]!;
        if (!files.has(f)) continue;
        const op = rnd(5);
        if (op === 0) writeFileSync(join(dir, f), `edited ${c}\n`);
        else if (op === 1) {
          rmSync(join(dir, f));
          files.delete(f);
        } else if (op === 2) {
          // The file becomes a directory of the same name.
          rmSync(join(dir, f));
          files.delete(f);
          put(`${f}/inner`, `moved ${c}\n`);
        } else if (op === 3) execFileSync('chmod', ['+x', join(dir, f)]);
        else put(pathAt(), `new ${c}\n`);
      }
      git(dir, ['add', '-A']);
      expect(ourView(dir)).toEqual(gitView(dir));
      // And back again (a directory that becomes a file), staged on top of the same index.
      for (const f of [...files]) {
        const slash = f.lastIndexOf('/');
        if (slash > 0 && rnd(4) === 0) {
          const parent = f.slice(0, slash);
          rmSync(join(dir, parent), { recursive: true, force: true });
          for (const g of [...files]) if (g.startsWith(`${parent}/`)) files.delete(g);
          put(parent, 'now a file\n');
          break;
        }
      }
      git(dir, ['add', '-A']);
      expect(ourView(dir)).toEqual(gitView(dir));
    });
  }

  it('a clean index (nothing staged) reports nothing, and a conflicted path is neither added nor deleted', () => {
    const dir = repo();
    writeFileSync(join(dir, 'c.txt'), 'base\n');
    writeFileSync(join(dir, 'other.txt'), 'o\n');
    git(dir, ['add', '.']);
    git(dir, ['commit', '-qm', 'base']);
    expect(ourView(dir)).toEqual([]);
    git(dir, ['checkout', '-qb', 'side']);
    writeFileSync(join(dir, 'c.txt'), 'side\n');
    git(dir, ['commit', '-qam', 'side']);
    git(dir, ['checkout', '-q', 'main']);
    writeFileSync(join(dir, 'c.txt'), 'main\n');
    writeFileSync(join(dir, 'other.txt'), 'o2\n');
    git(dir, ['commit', '-qam', 'main']);
    try {
      git(dir, ['merge', '-q', 'side']);
    } catch {
      /* the conflict is the point */
    }
    const st = readStaged({ cwd: dir, env: {} });
    st.store.close();
    expect(st.conflicted).toEqual(['c.txt']);
    expect(st.changes).toEqual([]);
  });

  it('a large index (read through the offsets window and single-entry reads) matches git, with and without a cache-tree', () => {
    const dir = repo();
    for (let d = 0; d < 60; d++) {
      mkdirSync(join(dir, `directory-with-a-longish-name-${d}`));
      for (let f = 0; f < 50; f++) writeFileSync(join(dir, `directory-with-a-longish-name-${d}`, `file-${f}-${'x'.repeat(f % 7)}.txt`), `${d}/${f}\n`);
    }
    git(dir, ['add', '.']);
    git(dir, ['commit', '-qm', 'base']);
    expect(statSync(join(dir, '.git', 'index')).size).toBeGreaterThan(256 * 1024);
    writeFileSync(join(dir, 'directory-with-a-longish-name-7', 'file-3-xxx.txt'), 'changed\n');
    rmSync(join(dir, 'directory-with-a-longish-name-59', 'file-49-.txt'));
    writeFileSync(join(dir, 'directory-with-a-longish-name-30', 'new.txt'), 'new\n');
    git(dir, ['add', '-A']);
    expect(ourView(dir)).toEqual(gitView(dir));
    expect(ourView(dir)).toHaveLength(3);
    git(dir, ['read-tree', 'HEAD']); // no cache-tree: every entry is compared
    git(dir, ['add', '-A']);
    expect(readIndexFile(join(dir, '.git', 'index')).cacheTree.size).toBe(0);
    expect(ourView(dir)).toEqual(gitView(dir));
  });
});
