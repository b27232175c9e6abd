// Test fixtures: real repositories built with the git CLI in temp dirs (no mocks). Deterministic dates and
// identities, no user/system config.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let tick = 0;

export function gitEnv(): NodeJS.ProcessEnv {
  const date = `${1700000000 + tick * 60} +0130`;
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Ada Lovelace',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Charles Babbage',
    GIT_COMMITTER_EMAIL: 'cb@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    LC_ALL: 'C',
  };
}

export function git(cwd: string, args: string[], input?: string | Buffer): string {
  tick++;
  return execFileSync('git', args, {
    cwd,
    env: gitEnv(),
    input,
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).toString('utf8');
}

export function gitBuf(cwd: string, args: string[], input?: string | Buffer): Buffer {
  return execFileSync('git', args, { cwd, env: gitEnv(), input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
}

const dirs: string[] = [];

export function tempDir(prefix = 'lh-git-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function initRepo(dir: string, bare = false): string {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main', ...(bare ? ['--bare'] : [])]);
  git(dir, ['config', 'core.autocrlf', 'false']);
  git(dir, ['config', 'gc.auto', '0']);
  return dir;
}

function write(dir: string, rel: string, content: string | Buffer): void {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
}

function commitAll(dir: string, msg: string): void {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', msg]);
}

/**
 * A repository with most situations the walker meets: many versions of one file (delta chains), branches, a merge,
 * a rename, a symlink, a gitlink, non-ASCII and tricky-order names, annotated / lightweight tags, a tag on a blob and
 * one on a tree, a remote-tracking ref, two stash entries, notes, an amended-away commit and a dangling blob.
 */
export function buildRichRepo(dir: string): { amendedAway: string; danglingBlob: string } {
  initRepo(dir);
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i} of the config file, value=${(i * 7919) % 1000}`);
  write(dir, 'README.md', '# demo\n');
  write(dir, 'src/config.txt', lines.join('\n'));
  write(dir, 'src/deep/a/b/c.txt', 'deep\n');
  write(dir, 'foo', 'file named foo\n');
  write(dir, 'foo.c', 'int main(){}\n');
  write(dir, 'caf\u00e9/\u00fcber.txt', 'unicode path\n');
  symlinkSync('README.md', join(dir, 'link'));
  commitAll(dir, 'initial commit');
  for (let v = 1; v <= 30; v++) {
    lines[(v * 13) % lines.length] = `changed in version ${v}: token=${'x'.repeat(v)}`;
    lines.push(`appended ${v}`);
    write(dir, 'src/config.txt', lines.join('\n'));
    if (v % 5 === 0) write(dir, `src/gen/file${v}.txt`, `generated ${v}\n`.repeat(50));
    commitAll(dir, `version ${v}\n\nbody of version ${v}`);
  }
  // foo becomes a directory: file/tree at the same name.
  rmSync(join(dir, 'foo'));
  write(dir, 'foo/inner.txt', 'now a dir\n');
  commitAll(dir, 'foo is a directory now');
  // Rename.
  git(dir, ['mv', 'src/deep/a/b/c.txt', 'src/deep/moved.txt']);
  commitAll(dir, 'rename c.txt');
  // Gitlink (submodule entry) without a real submodule.
  git(dir, ['update-index', '--add', '--cacheinfo', `160000,${'ab'.repeat(20)},vendor/sub`]);
  git(dir, ['commit', '-q', '-m', 'add a submodule gitlink']);
  // Branch and merge with a conflict resolved by hand.
  git(dir, ['checkout', '-q', '-b', 'feature']);
  write(dir, 'README.md', '# demo\nfeature line\n');
  write(dir, 'feature.txt', 'feature only\n');
  commitAll(dir, 'feature work');
  git(dir, ['checkout', '-q', 'main']);
  write(dir, 'README.md', '# demo\nmain line\n');
  commitAll(dir, 'main work');
  try {
    git(dir, ['merge', '-q', '--no-ff', 'feature', '-m', 'merge feature']);
  } catch {
    write(dir, 'README.md', '# demo\nresolved line\n');
    git(dir, ['add', 'README.md', 'feature.txt']);
    git(dir, ['commit', '-q', '-m', 'merge feature (resolved)']);
  }
  // Unmerged branch.
  git(dir, ['checkout', '-q', '-b', 'unmerged']);
  write(dir, 'only-on-branch.txt', 'lonely\n');
  commitAll(dir, 'unmerged work');
  git(dir, ['checkout', '-q', 'main']);
  // Tags.
  git(dir, ['tag', 'v-light']);
  git(dir, ['tag', '-a', 'v1.0', '-m', 'release 1.0\n\nnotes here']);
  git(dir, ['tag', '-a', 'v1.0-of-tag', 'v1.0', '-m', 'tag of a tag']);
  const blob = git(dir, ['hash-object', '-w', '--stdin'], 'a blob only a tag points at\n').trim();
  git(dir, ['tag', '-a', 'blob-tag', blob, '-m', 'tagging a blob']);
  git(dir, ['tag', 'blob-light', git(dir, ['hash-object', '-w', '--stdin'], 'lightweight blob tag\n').trim()]);
  write(dir, 'tree-only/x.txt', 'in a tree reached by a tag\n');
  git(dir, ['add', 'tree-only']);
  const tree = git(dir, ['write-tree']).trim();
  git(dir, ['reset', '-q']);
  rmSync(join(dir, 'tree-only'), { recursive: true });
  git(dir, ['tag', '-a', 'tree-tag', tree, '-m', 'tagging a tree']);
  // Remote-tracking ref.
  git(dir, ['update-ref', 'refs/remotes/origin/main', 'HEAD~2']);
  git(dir, ['symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main']);
  // Notes.
  git(dir, ['notes', 'add', '-m', 'a note on HEAD', 'HEAD']);
  // Two stash entries (the second with an untracked file).
  write(dir, 'README.md', '# demo\nstash one\n');
  git(dir, ['stash', 'push', '-q', '-m', 'first stash']);
  write(dir, 'README.md', '# demo\nstash two\n');
  write(dir, 'untracked.txt', 'untracked in stash\n');
  git(dir, ['stash', 'push', '-q', '-u', '-m', 'second stash']);
  // Amended-away commit and a dangling blob.
  write(dir, 'amend.txt', 'before amend\n');
  commitAll(dir, 'to be amended');
  const amendedAway = git(dir, ['rev-parse', 'HEAD']).trim();
  write(dir, 'amend.txt', 'after amend\n');
  git(dir, ['add', 'amend.txt']);
  git(dir, ['commit', '-q', '--amend', '-m', 'amended']);
  const danglingBlob = git(dir, ['hash-object', '-w', '--stdin'], 'dangling blob content\n').trim();
  return { amendedAway, danglingBlob };
}

/** Oids of the stash reflog entries (stash@{0..n}). */
export function stashOids(dir: string): string[] {
  try {
    return git(dir, ['reflog', 'show', '--format=%H', 'refs/stash']).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** Blobs of `git rev-list --objects --all` plus the stash reflog entries. */
export function gitReachableBlobs(dir: string): Set<string> {
  const objs = git(dir, ['rev-list', '--objects', '--all', ...stashOids(dir)])
    .split('\n')
    .map((l) => l.slice(0, 40))
    .filter((l) => l.length === 40);
  const types = git(dir, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], objs.join('\n') + '\n');
  const out = new Set<string>();
  for (const line of types.split('\n')) {
    const [oid, type] = line.split(' ');
    if (type === 'blob' && oid !== undefined) out.add(oid);
  }
  return out;
}

export { write, commitAll };
