// The staged source against git's own view of the staged change (`git diff --cached --name-status`), across index
// versions 2, 3 (extended flags: intent-to-add) and 4 (prefix-compressed paths), GIT_INDEX_FILE (relative and
// absolute), an unborn HEAD, deletions, type changes and the cache-tree shortcut.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
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
  const out = git(dir, ['diff', '--cached', '--no-renames', '--name-status'], env).trim();
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
});
