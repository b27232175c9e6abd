// The staged source: what `git commit` would record, as (path, HEAD blob, staged blob) changes.
// Reads the index git is actually using (GIT_INDEX_FILE, relative to the current directory, as git sets it for
// `git commit -a` / `git commit <path>`), compares it with HEAD's tree (skipping directories whose cache-tree oid
// equals HEAD's tree, which is what keeps this cheap on big trees), and knows the other sides of a merge
// (MERGE_HEAD) and the blobs deleted by the change (rename sources). No git binary, no network.
// Owns: staged change discovery. May import: sources/git, ./index-file, errors, node:fs, node:path. Never the matcher.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { type GitRepository, type ObjectStore, type TreeEntry, discoverRepository, parseCommit, parseTree } from '../git/index.js';
import { ObjectStore as Store } from '../git/object-store.js';
import { type GitIndex, readIndexFile } from './index-file.js';

export { parseIndex, readIndexFile } from './index-file.js';
export type { GitIndex, IndexEntry } from './index-file.js';

const MODE_TREE = '40000';
const MODE_GITLINK = '160000';
const MODE_SYMLINK = '120000';

export interface StagedChange {
  path: string;
  /** Blob at this path in HEAD; null when added (or no HEAD yet). */
  oldOid: string | null;
  /** Staged blob; null when deleted. */
  newOid: string | null;
  oldMode: string | null;
  newMode: string | null;
}

export interface StagedState {
  repo: GitRepository;
  store: ObjectStore;
  /** The index file read. */
  indexFile: string;
  /** HEAD commit, or null before the first commit. */
  head: string | null;
  /** Other parents of the commit being made (MERGE_HEAD), empty unless merging. */
  mergeHeads: string[];
  /** Every path whose staged content differs from HEAD (blobs and symlinks/gitlinks alike), sorted by path. */
  changes: StagedChange[];
  /** Index entries still in conflict (stage 1..3). */
  conflicted: string[];
}

export interface StagedOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** The index git uses: GIT_INDEX_FILE (relative to the current directory) or <gitdir>/index. */
export function indexPath(repo: GitRepository, o: StagedOptions): string {
  const v = o.env['GIT_INDEX_FILE'];
  if (v !== undefined && v !== '') return isAbsolute(v) ? v : resolve(o.cwd, v);
  return join(repo.gitDir, 'index');
}

function readHead(repo: GitRepository): string | null {
  let text: string;
  try {
    text = readFileSync(join(repo.gitDir, 'HEAD'), 'utf8').trim();
  } catch {
    return null;
  }
  if (/^[0-9a-f]{40}$/.test(text)) return text;
  const m = /^ref:\s*(\S+)$/.exec(text);
  if (!m) return null;
  return resolveRefName(repo, m[1]!);
}

function resolveRefName(repo: GitRepository, name: string): string | null {
  for (const dir of [repo.gitDir, repo.commonDir]) {
    try {
      const t = readFileSync(join(dir, name), 'utf8').trim();
      if (/^[0-9a-f]{40}$/.test(t)) return t;
      const m = /^ref:\s*(\S+)$/.exec(t);
      if (m) return resolveRefName(repo, m[1]!);
    } catch {
      /* try packed-refs */
    }
  }
  try {
    for (const line of readFileSync(join(repo.commonDir, 'packed-refs'), 'utf8').split('\n')) {
      const sp = line.indexOf(' ');
      if (sp === 40 && line.slice(41).trim() === name) return line.slice(0, 40);
    }
  } catch {
    /* no packed refs */
  }
  return null; // an unborn branch: the first commit
}

function readMergeHeads(repo: GitRepository): string[] {
  try {
    return readFileSync(join(repo.gitDir, 'MERGE_HEAD'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[0-9a-f]{40}$/.test(l));
  } catch {
    return [];
  }
}

export function commitTree(store: ObjectStore, commit: string): string {
  return parseCommit(store.readAs(commit, 'commit'), commit).tree;
}

function readTree(store: ObjectStore, oid: string): TreeEntry[] {
  return parseTree(store.readAs(oid, 'tree'), oid);
}

/** The entry at `path` in the tree `root`, or null. Reads only the trees along the path. */
export function lookupPath(store: ObjectStore, root: string, path: string): { oid: string; mode: string } | null {
  let tree = root;
  const parts = path.split('/');
  for (let i = 0; i < parts.length; i++) {
    const e = readTree(store, tree).find((x) => x.name === parts[i]);
    if (!e) return null;
    if (i === parts.length - 1) return { oid: e.oid, mode: e.mode };
    if (e.mode !== MODE_TREE) return null;
    tree = e.oid;
  }
  return null;
}

/** HEAD's blobs, except under directories whose cache-tree oid says the index holds exactly HEAD's tree there. */
function headEntries(store: ObjectStore, root: string, index: GitIndex): { files: Map<string, { oid: string; mode: string }>; same: Set<string> } {
  const files = new Map<string, { oid: string; mode: string }>();
  const same = new Set<string>();
  const walk = (dir: string, tree: string): void => {
    if (index.cacheTree.get(dir) === tree) {
      same.add(dir);
      return;
    }
    for (const e of readTree(store, tree)) {
      const p = dir === '' ? e.name : `${dir}/${e.name}`;
      if (e.mode === MODE_TREE) walk(p, e.oid);
      else files.set(p, { oid: e.oid, mode: e.mode });
    }
  };
  walk('', root);
  return { files, same };
}

function underSame(path: string, same: Set<string>): boolean {
  if (same.size === 0) return false;
  if (same.has('')) return true;
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) if (same.has(path.slice(0, i))) return true;
  return false;
}

/** Opens the repository around `cwd` and lists what the commit being made would change. */
export function readStaged(o: StagedOptions): StagedState {
  const repo = discoverRepository(o.cwd, { env: o.env });
  const store = new Store(repo.objectsDir, { deltaCacheBytes: 16 << 20 });
  const indexFile = indexPath(repo, o);
  const index = readIndexFile(indexFile);
  const head = readHead(repo);
  const changes: StagedChange[] = [];
  const conflicted: string[] = [];
  const tree = head === null ? null : headEntries(store, commitTree(store, head), index);
  // Paths present in the index (any stage): a HEAD file missing from this set is deleted by the commit.
  const inIndex = new Set<string>();
  for (const e of index.entries) {
    if (e.stage !== 0) {
      if (!conflicted.includes(e.path)) conflicted.push(e.path);
      inIndex.add(e.path);
      continue;
    }
    if (e.intentToAdd || e.mode === MODE_TREE) {
      inIndex.add(e.path);
      continue;
    }
    if (tree === null) {
      changes.push({ path: e.path, oldOid: null, newOid: e.oid, oldMode: null, newMode: e.mode });
      continue;
    }
    const h = tree.files.get(e.path);
    if (h) {
      inIndex.add(e.path);
      if (h.oid !== e.oid || h.mode !== e.mode) changes.push({ path: e.path, oldOid: h.oid, newOid: e.oid, oldMode: h.mode, newMode: e.mode });
    } else if (!underSame(e.path, tree.same)) changes.push({ path: e.path, oldOid: null, newOid: e.oid, oldMode: null, newMode: e.mode });
  }
  if (tree) for (const [path, h] of tree.files) if (!inIndex.has(path)) changes.push({ path, oldOid: h.oid, newOid: null, oldMode: h.mode, newMode: null });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { repo, store, indexFile, head, mergeHeads: readMergeHeads(repo), changes, conflicted };
}

/** Whether a mode holds scannable file content (regular files; not symlinks, submodules or directories). */
export function isContentMode(mode: string | null): boolean {
  return mode !== null && mode !== MODE_GITLINK && mode !== MODE_SYMLINK && mode !== MODE_TREE;
}
