// The staged source: what `git commit` would record, as (path, HEAD blob, staged blob) changes.
// Reads the index git is actually using (GIT_INDEX_FILE, relative to the current directory, as git sets it for
// `git commit -a` / `git commit <path>`), compares it with HEAD's tree (skipping directories whose cache-tree oid
// equals HEAD's tree, which is what keeps this cheap on big trees), and knows the other sides of a merge
// (MERGE_HEAD) and the blobs deleted by the change (rename sources). No git binary, no network.
// Owns: staged change discovery. May import: sources/git, ./index-file, errors, node:fs, node:path. Never the matcher.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type GitRepository,
  type ObjectStore,
  type TreeChange,
  type TreeEntry,
  type TreeEntryAt,
  TreeCache,
  decodeName,
  diffTrees,
  discoverRepository,
  parseCommitLinks,
  parseTree,
  treeEntryAt,
} from '../git/index.js';
import { objectCorrupt } from '../git/errors.js';
import { ObjectStore as Store } from '../git/object-store.js';
import { type GitIndex, modeText, readIndexFile } from './index-file.js';

export { GitIndex, parseIndex, readIndexFile } from './index-file.js';
export type { CacheTreeNode, IndexEntry } from './index-file.js';

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
  // Only the tree header: no message decoding, signatures or dates on the hook's path.
  return parseCommitLinks(store.readAs(commit, 'commit'), commit).tree;
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

/**
 * The staged change as one merge walk of HEAD's tree against the index (both in git's byte order of paths), like
 * git's own `diff-index --cached`: a directory whose cache-tree node names HEAD's tree is skipped with all the index
 * entries it covers, so a commit touching a few files reads only the trees along their paths; without a valid
 * cache-tree every tree is read once and each entry costs one string and one 20-byte comparison, no objects.
 */
class StagedWalk {
  readonly changes: StagedChange[] = [];
  readonly conflicted: string[] = [];
  private k = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly ix: GitIndex,
  ) {}

  run(root: string | null): void {
    const whole = this.ix.cacheTree.get('');
    // Nothing staged at all: the index's root tree is HEAD's.
    if (root !== null && whole?.oid === root && whole.entries === this.ix.count) return;
    if (root !== null) this.dir('', root);
    this.rest('');
  }

  /** Index entries from the cursor that sort before `key` (and are under `prefix`): staged but not in HEAD. */
  private added(key: string): void {
    const { ix } = this;
    while (this.k < ix.count && ix.path(this.k) < key) this.indexOnly(this.k++);
  }

  /** Index entries left under `prefix` once its tree is exhausted. */
  private rest(prefix: string): void {
    const { ix } = this;
    while (this.k < ix.count && ix.path(this.k).startsWith(prefix)) this.indexOnly(this.k++);
  }

  private indexOnly(i: number): void {
    const { ix } = this;
    if (ix.stage(i) !== 0) return this.conflict(i);
    if (ix.intentToAdd(i)) return;
    const e = ix.entry(i);
    // A sparse-index directory that HEAD does not have: everything in its tree is added.
    if (e.mode === MODE_TREE) return this.subtree(ix.path(i), null, e.oid);
    this.changes.push({ path: e.path, oldOid: null, newOid: e.oid, oldMode: null, newMode: e.mode });
  }

  private conflict(i: number): void {
    const p = decodeName(this.ix.path(i));
    if (this.conflicted[this.conflicted.length - 1] !== p) this.conflicted.push(p);
  }

  /** A HEAD subtree diffed against another tree (a sparse-index directory), through the history walker's differ. */
  private subtree(prefix: string, oldTree: string | null, newTree: string | null): void {
    const out: TreeChange[] = [];
    diffTrees(new TreeCache(this.store), oldTree, newTree, out, { prefix });
    for (const c of out) this.changes.push({ path: c.path, oldOid: c.oldOid, newOid: c.newOid, oldMode: c.oldMode, newMode: c.newMode });
  }

  private dir(prefix: string, tree: string): void {
    const { ix } = this;
    const data = this.store.readAs(tree, 'tree');
    const e: TreeEntryAt = { sp: 0, nul: 0 };
    for (let pos = 0; pos < data.length; ) {
      treeEntryAt(data, pos, tree, e);
      // The mode as a number, to compare with the index's (octal digits only).
      let mode = 0;
      for (let k = pos; k < e.sp; k++) {
        const c = data[k]!;
        if (c < 0x30 || c > 0x37) throw objectCorrupt(tree, 'bad tree entry mode');
        mode = mode * 8 + (c - 0x30);
      }
      const name = prefix + data.toString('latin1', e.sp + 1, e.nul);
      const oidAt = e.nul + 1;
      pos = e.nul + 21;
      if (mode === 0o40000) {
        const key = `${name}/`;
        this.added(key);
        const k = this.k;
        const ct = ix.cacheTree.get(name);
        if (ct !== undefined && data.toString('hex', oidAt, oidAt + 20) === ct.oid) {
          // The index holds exactly HEAD's tree here: skip the entries it covers, as git does (their count is in the
          // cache-tree; the first is checked to be under the directory, the rest are not read at all).
          if (ct.entries === 0 || (k + ct.entries <= ix.count && ix.path(k).startsWith(key))) {
            this.k += ct.entries;
            continue;
          }
        }
        if (k < ix.count && ix.path(k) === key && ix.mode(k) >>> 12 === 0o04) {
          // A sparse-index directory entry for this directory.
          this.k++;
          if (!ix.oidEquals(k, data, oidAt)) {
            this.subtree(key, data.toString('hex', oidAt, oidAt + 20), ix.oid(k));
          }
          continue;
        }
        this.dir(key, data.toString('hex', oidAt, oidAt + 20));
        this.rest(key);
        continue;
      }
      this.added(name);
      const k = this.k;
      if (k < ix.count && ix.path(k) === name) {
        if (ix.stage(k) !== 0) {
          // Unresolved conflict: git refuses the commit; the path is neither added nor deleted.
          while (this.k < ix.count && ix.path(this.k) === name) this.conflict(this.k++);
          continue;
        }
        this.k++;
        if (ix.intentToAdd(k)) continue;
        if (ix.mode(k) !== mode || !ix.oidEquals(k, data, oidAt)) {
          const e = ix.entry(k);
          this.changes.push({ path: e.path, oldOid: data.toString('hex', oidAt, oidAt + 20), newOid: e.oid, oldMode: modeText(mode), newMode: e.mode });
        }
        continue;
      }
      // In HEAD, not in the index: deleted by the commit.
      this.changes.push({ path: decodeName(name), oldOid: data.toString('hex', oidAt, oidAt + 20), newOid: null, oldMode: modeText(mode), newMode: null });
    }
  }
}

/** Opens the repository around `cwd` and lists what the commit being made would change. */
export function readStaged(o: StagedOptions): StagedState {
  const repo = discoverRepository(o.cwd, { env: o.env });
  const store = new Store(repo.objectsDir, { deltaCacheBytes: 16 << 20 });
  const indexFile = indexPath(repo, o);
  const index = readIndexFile(indexFile);
  const head = readHead(repo);
  const walk = new StagedWalk(store, index);
  try {
    walk.run(head === null ? null : commitTree(store, head));
  } finally {
    index.close();
  }
  const changes = walk.changes;
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { repo, store, indexFile, head, mergeHeads: readMergeHeads(repo), changes, conflicted: walk.conflicted };
}

/** Whether a mode holds scannable file content (regular files; not symlinks, submodules or directories). */
export function isContentMode(mode: string | null): boolean {
  return mode !== null && mode !== MODE_GITLINK && mode !== MODE_SYMLINK && mode !== MODE_TREE;
}
