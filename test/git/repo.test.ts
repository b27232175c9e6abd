// Discovery (normal, bare, linked worktree, GIT_DIR, shallow, empty, not a repo), refs, revision resolution,
// tip queries and unreachable objects, on real repositories.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLeakhoundError } from '../../src/errors/index.js';
import {
  TipIndex,
  TreeCache,
  discoverRepository,
  isEmptyRepository,
  listRefs,
  openRepository,
  peel,
  resolveRef,
  walkHistory,
  walkUnreachable,
} from '../../src/sources/git/index.js';
import { buildRichRepo, cleanup, git, gitReachableBlobs, initRepo, tempDir, write, commitAll } from './fixtures.js';

let base = '';
let amendedAway = '';
let danglingBlob = '';
beforeAll(() => {
  base = join(tempDir(), 'rich');
  ({ amendedAway, danglingBlob } = buildRichRepo(base));
}, 60_000);
afterAll(cleanup);

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isLeakhoundError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return 'no error';
}

function walkedBlobs(dir: string): Set<string> {
  const { repo, store } = openRepository(dir);
  const blobs = new Set<string>();
  for (const e of walkHistory(store, { tips: listRefs(repo).map((r) => r.oid), shallow: repo.shallow })) {
    if (e.kind === 'commit') for (const d of e.diffs) for (const c of d.changes) if (c.newOid && c.newMode !== '160000') blobs.add(c.newOid);
    if (e.kind === 'tree') for (const c of e.changes) if (c.newOid) blobs.add(c.newOid);
    if (e.kind === 'blob') blobs.add(e.oid);
  }
  return blobs;
}

describe('discovery', () => {
  it('finds the .git directory from a subdirectory', () => {
    const r = discoverRepository(join(base, 'src', 'deep'));
    expect(r.gitDir).toBe(join(base, '.git'));
    expect(r.workTree).toBe(base);
    expect(r.bare).toBe(false);
    expect(r.shallow).toEqual([]);
  });

  it('opens a bare clone, and walks it to the same blobs', () => {
    const bare = join(tempDir(), 'bare.git');
    git(base, ['clone', '-q', '--bare', '--mirror', base, bare]);
    const r = discoverRepository(bare);
    expect(r.bare).toBe(true);
    expect(r.workTree).toBe(null);
    expect([...walkedBlobs(bare)].sort()).toEqual([...gitReachableBlobs(bare)].sort());
  });

  it('opens a linked worktree through its .git file and commondir, and lists its HEAD', () => {
    const dir = join(tempDir(), 'wt-main');
    cpSync(base, dir, { recursive: true });
    const wt = join(tempDir(), 'wt-linked');
    git(dir, ['worktree', 'add', '-q', '-b', 'wt-branch', wt, 'main~3']);
    write(wt, 'wt-only.txt', 'only in the worktree branch\n');
    commitAll(wt, 'worktree commit');
    const r = discoverRepository(wt);
    expect(r.linkedWorktree).toBe(true);
    expect(r.commonDir).toBe(join(dir, '.git'));
    expect(r.workTree).toBe(wt);
    const { repo } = openRepository(wt);
    const head = listRefs(repo).find((x) => x.name === 'HEAD');
    expect(head?.oid).toBe(git(wt, ['rev-parse', 'HEAD']).trim());
    expect(head?.symbolic).toBe('refs/heads/wt-branch');
    // From the main worktree, the linked worktree's HEAD is a tip too (as in git rev-list --all).
    const fromMain = listRefs(discoverRepository(dir));
    expect(fromMain.some((x) => x.kind === 'worktree-head')).toBe(true);
    expect([...walkedBlobs(wt)].sort()).toEqual([...gitReachableBlobs(wt)].sort());
  });

  it('honours GIT_DIR', () => {
    const elsewhere = tempDir();
    const r = discoverRepository(elsewhere, { env: { GIT_DIR: join(base, '.git') } });
    expect(r.gitDir).toBe(join(base, '.git'));
    expect(codeOf(() => discoverRepository(elsewhere, { env: { GIT_DIR: elsewhere } }))).toBe('E_NOT_A_REPO');
  });

  it('E_NOT_A_REPO for a plain directory and for a missing path, with one clear message', () => {
    const plain = tempDir();
    expect(codeOf(() => discoverRepository(plain))).toBe('E_NOT_A_REPO');
    expect(codeOf(() => discoverRepository(join(plain, 'nope')))).toBe('E_NOT_A_REPO');
    try {
      discoverRepository(plain);
    } catch (e) {
      expect(String((e as Error).message)).toMatch(/^not a git repository: .*no \.git found/);
    }
  });

  it('E_EMPTY_REPO for a repository without commits', () => {
    const d = initRepo(join(tempDir(), 'empty'));
    expect(codeOf(() => openRepository(d))).toBe('E_EMPTY_REPO');
    expect(openRepository(d, { allowEmpty: true }).repo.gitDir).toBe(join(d, '.git'));
  });

  it("is not empty whether HEAD's branch is loose, packed, or missing while another branch exists", () => {
    const d = initRepo(join(tempDir(), 'refs-forms'));
    write(d, 'a.txt', 'a\n');
    commitAll(d, 'one');
    const empty = (): boolean => isEmptyRepository(discoverRepository(d));
    expect(empty()).toBe(false);
    git(d, ['pack-refs', '--all', '--prune']);
    expect(empty()).toBe(false);
    // HEAD on an unborn branch, the only commit on another branch (packed): still a repository with commits.
    git(d, ['branch', '-q', '-m', 'main', 'other']);
    git(d, ['pack-refs', '--all', '--prune']);
    git(d, ['symbolic-ref', 'HEAD', 'refs/heads/unborn']);
    expect(empty()).toBe(false);
    // No ref at all left: empty.
    git(d, ['update-ref', '-d', 'refs/heads/other']);
    expect(empty()).toBe(true);
  });

  it('detects a shallow clone and walks what is there', () => {
    const shallow = join(tempDir(), 'shallow');
    git(base, ['clone', '-q', '--depth', '1', '--no-single-branch', `file://${base}`, shallow]);
    const r = discoverRepository(shallow);
    expect(r.shallow.length).toBeGreaterThan(0);
    // Every branch tip of a depth-1 clone is a boundary commit.
    const tipCommits = new Set(git(shallow, ['rev-parse', '--branches', '--remotes']).split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l)));
    for (const t of tipCommits) expect(r.shallow).toContain(t);
    const { store } = openRepository(shallow);
    const events = [...walkHistory(store, { tips: listRefs(r).map((x) => x.oid), shallow: r.shallow })];
    const boundary = events.filter((e) => e.kind === 'commit' && e.shallow);
    expect(boundary.length).toBe(r.shallow.length);
    expect([...walkedBlobs(shallow)].sort()).toEqual([...gitReachableBlobs(shallow)].sort());
  });
});

describe('refs', () => {
  it('lists branches, remotes, tags, notes, stash and the stash reflog', () => {
    const { repo } = openRepository(base);
    const refs = listRefs(repo);
    const names = refs.map((r) => r.name);
    expect(names[0]).toBe('HEAD');
    expect(names).toEqual(
      expect.arrayContaining([
        'refs/heads/main',
        'refs/heads/feature',
        'refs/heads/unmerged',
        'refs/remotes/origin/main',
        'refs/remotes/origin/HEAD',
        'refs/tags/v1.0',
        'refs/tags/v-light',
        'refs/tags/blob-tag',
        'refs/notes/commits',
        'refs/stash',
        'refs/stash@{1}',
      ]),
    );
    expect(refs.find((r) => r.name === 'refs/stash@{1}')?.oid).toBe(git(base, ['rev-parse', 'stash@{1}']).trim());
    expect(refs.find((r) => r.name === 'refs/remotes/origin/HEAD')?.symbolic).toBe('refs/remotes/origin/main');
    for (const r of refs) if (!r.name.includes('@{')) expect(r.oid).toBe(git(base, ['rev-parse', r.name]).trim());
  });

  it('reads packed-refs with peeled tags the same way', () => {
    const dir = join(tempDir(), 'packed-refs');
    cpSync(base, dir, { recursive: true });
    git(dir, ['pack-refs', '--all']);
    const { repo, store } = openRepository(dir);
    const v1 = listRefs(repo).find((r) => r.name === 'refs/tags/v1.0');
    expect(v1?.oid).toBe(git(dir, ['rev-parse', 'v1.0']).trim());
    expect(v1?.peeled).toBe(git(dir, ['rev-parse', 'v1.0^{}']).trim());
    expect(peel(store, v1?.oid ?? '').oid).toBe(v1?.peeled);
    const tt = peel(store, git(dir, ['rev-parse', 'v1.0-of-tag']).trim());
    expect(tt.tags.length).toBe(2);
    expect(tt.type).toBe('commit');
  });

  it('resolveRef accepts full names, short names, stash@{n}, hex oids and abbreviations; E_BAD_REF otherwise', () => {
    const { repo, store } = openRepository(base);
    const rp = (x: string): string => git(base, ['rev-parse', x]).trim();
    expect(resolveRef(repo, 'HEAD').oid).toBe(rp('HEAD'));
    expect(resolveRef(repo, 'feature')).toEqual({ name: 'refs/heads/feature', oid: rp('feature') });
    expect(resolveRef(repo, 'refs/heads/main').oid).toBe(rp('main'));
    expect(resolveRef(repo, 'v1.0')).toEqual({ name: 'refs/tags/v1.0', oid: rp('v1.0') });
    expect(resolveRef(repo, 'origin/main').name).toBe('refs/remotes/origin/main');
    expect(resolveRef(repo, 'origin').name).toBe('refs/remotes/origin/HEAD');
    expect(resolveRef(repo, 'stash@{1}').oid).toBe(rp('stash@{1}'));
    expect(resolveRef(repo, rp('main~2'), store).oid).toBe(rp('main~2'));
    expect(resolveRef(repo, rp('main~2').slice(0, 10), store).oid).toBe(rp('main~2'));
    expect(codeOf(() => resolveRef(repo, 'no-such-branch', store))).toBe('E_BAD_REF');
    expect(codeOf(() => resolveRef(repo, '0'.repeat(40), store))).toBe('E_BAD_REF');
  });
});

describe('tips', () => {
  it('answers which tips hold a blob at a path, and lists tip blobs like git ls-tree', () => {
    const { repo, store } = openRepository(base);
    const refs = listRefs(repo);
    const trees = new TreeCache(store);
    const tips = new TipIndex(store, refs.map((r) => ({ name: r.name, oid: r.oid })), trees);
    const featureOnly = git(base, ['rev-parse', 'feature:feature.txt']).trim();
    const holding = tips.tipsContaining('feature.txt', featureOnly);
    expect(holding).toEqual(expect.arrayContaining(['refs/heads/feature', 'refs/heads/main']));
    expect(holding).not.toContain('refs/remotes/origin/main');
    const lonely = git(base, ['rev-parse', 'unmerged:only-on-branch.txt']).trim();
    expect(tips.tipsContaining('only-on-branch.txt', lonely)).toEqual(['refs/heads/unmerged']);
    expect(tips.tipsContaining('caf\u00e9/\u00fcber.txt', git(base, ['rev-parse', 'main:caf\u00e9/\u00fcber.txt']).trim())).toContain('HEAD');
    const blobTag = git(base, ['rev-parse', 'blob-tag^{}']).trim();
    expect(tips.tipsContaining('whatever', blobTag)).toEqual(['refs/tags/blob-tag']);
    const lsTree = git(base, ['-c', 'core.quotepath=off', 'ls-tree', '-r', 'main'])
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [meta, path] = l.split('\t');
        const [mode, , oid] = (meta ?? '').split(' ');
        return `${mode} ${oid} ${path}`;
      })
      .sort();
    expect([...tips.entries('refs/heads/main')].map((e) => `${e.mode} ${e.oid} ${e.path}`).sort()).toEqual(lsTree);
    expect(tips.entryAt('refs/heads/main', 'link')?.mode).toBe('120000');
  });
});

describe('unreachable objects', () => {
  it('finds the amended-away commit and the dangling blob, and nothing reachable', () => {
    const dir = join(tempDir(), 'unreach');
    cpSync(base, dir, { recursive: true });
    git(dir, ['reflog', 'expire', '--expire=now', '--all']);
    git(dir, ['repack', '-q', '-a', '-d']); // unreachable objects stay loose (no -A/-k needed: they were loose)
    const { repo, store } = openRepository(dir);
    const reached = new Set<string>();
    const trees = new TreeCache(store);
    for (const _ of walkHistory(store, { tips: listRefs(repo).map((r) => r.oid), reached, trees })) {
      /* drain */
    }
    const events = [...walkUnreachable(store, { reached, trees })];
    const commits = events.filter((e) => e.kind === 'commit').map((e) => e.oid);
    expect(commits).toContain(amendedAway);
    const amended = events.find((e) => e.kind === 'commit' && e.oid === amendedAway);
    expect(amended?.kind === 'commit' && amended.diffs[0]?.changes.map((c) => c.path)).toEqual(['amend.txt']);
    const blobs = events.filter((e) => e.kind === 'blob').map((e) => e.oid);
    expect(blobs).toContain(danglingBlob);
    // git's own view: everything fsck calls unreachable is covered, nothing reachable is reported.
    const fsck = git(dir, ['fsck', '--unreachable', '--no-reflogs'])
      .split('\n')
      .filter((l) => l.startsWith('unreachable '))
      .map((l) => l.split(' ')[2] ?? '');
    const gitReachable = gitReachableBlobs(dir);
    for (const b of blobs) expect(gitReachable.has(b)).toBe(false);
    const ours = new Set([...commits, ...blobs]);
    for (const line of git(dir, ['fsck', '--unreachable', '--no-reflogs']).split('\n')) {
      const [, type, oid] = line.split(' ');
      if (type === 'commit' || type === 'blob') expect(ours.has(oid ?? '') || reached.has(oid ?? '')).toBe(true);
    }
    expect(fsck.length).toBeGreaterThan(0);
    mkdirSync(join(dir, 'x'), { recursive: true });
  });
});
