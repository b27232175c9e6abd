// The walker against git itself: same blob set as `git rev-list --objects --all` (plus the stash reflog), on a
// loose repository, after `git gc`, and after an aggressive repack with deep delta chains.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRefs, openRepository, parseCommit, walkHistory, type TreeChange, type WalkEvent } from '../../src/sources/git/index.js';
import { buildRichRepo, cleanup, git, gitReachableBlobs, tempDir } from './fixtures.js';

let base = '';
beforeAll(() => {
  base = join(tempDir(), 'rich');
  buildRichRepo(base);
}, 60_000);
afterAll(cleanup);

function walkAll(dir: string): { events: WalkEvent[]; blobs: Set<string>; errors: unknown[] } {
  const { repo, store } = openRepository(dir);
  const refs = listRefs(repo);
  const errors: unknown[] = [];
  const events = [...walkHistory(store, { tips: refs.map((r) => r.oid), shallow: repo.shallow, onError: (e) => errors.push(e) })];
  const blobs = new Set<string>();
  const add = (c: TreeChange): void => {
    if (c.newOid !== null && c.newMode !== '160000') blobs.add(c.newOid);
  };
  for (const e of events) {
    if (e.kind === 'commit') for (const d of e.diffs) d.changes.forEach(add);
    else if (e.kind === 'tree') e.changes.forEach(add);
    else if (e.kind === 'blob') blobs.add(e.oid);
  }
  store.close();
  return { events, blobs, errors };
}

const variants: [string, (dir: string) => void][] = [
  ['loose', () => {}],
  ['gc', (d) => git(d, ['gc', '-q', '--prune=now'])],
  ['repack -a -d -f --depth=50', (d) => git(d, ['repack', '-q', '-a', '-d', '-f', '--depth=50', '--window=50'])],
];

describe.each(variants)('walker on a %s repository', (name, prep) => {
  let dir = '';
  beforeAll(() => {
    dir = join(tempDir(), name.replace(/\W+/g, '-'));
    cpSync(base, dir, { recursive: true });
    prep(dir);
  }, 60_000);

  it('yields exactly the blobs of git rev-list --objects --all (with the stash reflog)', () => {
    const { blobs, errors } = walkAll(dir);
    expect(errors).toEqual([]);
    const expected = gitReachableBlobs(dir);
    expect([...blobs].sort()).toEqual([...expected].sort());
  });

  it('visits each commit once, parents before children, and the commit count matches git', () => {
    const { events } = walkAll(dir);
    const commits = events.filter((e) => e.kind === 'commit');
    const seen = new Set<string>();
    for (const c of commits) {
      expect(seen.has(c.oid)).toBe(false);
      for (const p of c.commit.parents) expect(seen.has(p)).toBe(true);
      seen.add(c.oid);
    }
    const stash = git(dir, ['reflog', 'show', '--format=%H', 'refs/stash']).split('\n').filter(Boolean);
    const gitCommits = git(dir, ['rev-list', '--all', ...stash]).split('\n').filter(Boolean);
    expect(seen.size).toBe(gitCommits.length);
  });

  it('parses every commit it yields exactly as a fresh read of that commit does (bytes kept on its DFS stack)', () => {
    const { events } = walkAll(dir);
    const { store } = openRepository(dir);
    const commits = events.filter((e) => e.kind === 'commit');
    expect(commits.some((c) => c.commit.parents.length > 1)).toBe(true);
    for (const c of commits) expect(JSON.parse(JSON.stringify(c.commit))).toEqual(JSON.parse(JSON.stringify(parseCommit(store.readAs(c.oid, 'commit'), c.oid))));
    store.close();
  });

  it('reports per-parent diffs like git diff-tree (merge commit, rename, symlink, gitlink)', () => {
    const { events } = walkAll(dir);
    for (const e of events) {
      if (e.kind !== 'commit') continue;
      for (const d of e.diffs) {
        const args = d.parent === null ? ['diff-tree', '-r', '--root', '--no-renames', e.oid] : ['diff-tree', '-r', '--no-renames', d.parent, e.oid];
        const raw = git(dir, ['-c', 'core.quotepath=off', ...args])
          .split('\n')
          .filter((l) => l.startsWith(':'))
          .map((l) => {
            const [meta, path] = l.split('\t');
            const [om, nm, oo, no] = (meta ?? '').slice(1).split(' ');
            const z = (s: string | undefined): string | null => (s === undefined || /^0+$/.test(s) ? null : s);
            return `${path} ${z(om)?.replace(/^0+/, '') ?? null} ${z(nm)?.replace(/^0+/, '') ?? null} ${z(oo)} ${z(no)}`;
          })
          .sort();
        const ours = d.changes.map((c) => `${c.path} ${c.oldMode} ${c.newMode} ${c.oldOid} ${c.newOid}`).sort();
        expect(ours).toEqual(raw);
      }
    }
  });
});

describe('walker details', () => {
  it('yields annotated tags, the blob a tag points at and the tree a tag points at', () => {
    const { events } = walkAll(base);
    const tags = events.filter((e) => e.kind === 'tag').map((e) => (e.kind === 'tag' ? e.tag.tag : ''));
    expect(tags).toEqual(expect.arrayContaining(['v1.0', 'v1.0-of-tag', 'blob-tag', 'tree-tag']));
    const blobEvents = events.filter((e) => e.kind === 'blob');
    expect(blobEvents.length).toBe(2);
    const treeEvent = events.find((e) => e.kind === 'tree');
    // The tagged tree was written from the whole index, so it holds the work tree plus tree-only/x.txt.
    expect(treeEvent?.kind === 'tree' && treeEvent.changes.map((c) => c.path)).toContain('tree-only/x.txt');
  });

  it('marks symlinks and gitlinks with their modes, and decodes UTF-8 paths', () => {
    const { events } = walkAll(base);
    const all = events.flatMap((e) => (e.kind === 'commit' ? e.diffs.flatMap((d) => d.changes) : []));
    expect(all.find((c) => c.path === 'link')?.newMode).toBe('120000');
    expect(all.find((c) => c.path === 'vendor/sub')?.newMode).toBe('160000');
    expect(all.some((c) => c.path === 'caf\u00e9/\u00fcber.txt')).toBe(true);
  });

  it('parses commits with ISO dates in the recorded timezone', () => {
    const { events } = walkAll(base);
    const c = events.find((e) => e.kind === 'commit');
    if (c?.kind !== 'commit') throw new Error('no commit');
    const iso = git(base, ['show', '-s', '--format=%aI|%an|%ae|%cn|%B', c.oid]);
    const [date, name, email, cname] = iso.split('|');
    expect(c.commit.author.date).toBe(date);
    expect(c.commit.author.name).toBe(name);
    expect(c.commit.author.email).toBe(email);
    expect(c.commit.committer.name).toBe(cname);
    expect(c.commit.author.date.endsWith('+01:30')).toBe(true);
  });

  it('honours exclude (A..B) like git rev-list', () => {
    const { store } = openRepository(base);
    const head = git(base, ['rev-parse', 'main']).trim();
    const from = git(base, ['rev-parse', 'main~5']).trim();
    const ours = [...walkHistory(store, { tips: [head], exclude: [from] })].filter((e) => e.kind === 'commit').map((e) => e.oid);
    const theirs = git(base, ['rev-list', `${from}..${head}`]).split('\n').filter(Boolean);
    expect([...ours].sort()).toEqual([...theirs].sort());
  });
});
