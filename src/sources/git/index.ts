// Public API of the git object layer: the fast path under the full-history audit (issue 4).
// Everything is synchronous and reads the repository directly (no git binary, no isomorphic-git object reads).
// Owns: openRepository (discovery + object store + the empty-repository check).
// May import: the modules of this directory, errors. Never the matcher.
import { LeakhoundError } from '../../errors/index.js';
import { ObjectStore, type ObjectStoreOptions } from './object-store.js';
import { isEmptyRepository } from './refs.js';
import { discoverRepository, type DiscoverOptions, type GitRepository } from './repo.js';

export { discoverRepository } from './repo.js';
export type { DiscoverOptions, GitRepository } from './repo.js';
export { ObjectStore } from './object-store.js';
export type { GitObject, ObjectHeader, ObjectLocation, ObjectStoreOptions, ObjectType } from './object-store.js';
export { listRefs, peel, readReflog, resolveRef, isEmptyRepository } from './refs.js';
export type { GitRef, ListRefsOptions, Peeled, RefKind, ResolvedRef } from './refs.js';
export {
  parseCommit,
  parseCommitLinks,
  parseTag,
  parseTree,
  parseSignature,
  decodeName,
  treeEntryAt,
  isoDate,
  isTreeMode,
  MODE_BLOB,
  MODE_EXEC,
  MODE_GITLINK,
  MODE_SYMLINK,
  MODE_TREE,
} from './parse.js';
export type { ParsedCommit, ParsedTag, Signature, TreeEntry, TreeEntryAt } from './parse.js';
export { walkHistory, diffTrees, TreeCache } from './walk.js';
export type { ParentDiff, TreeChange, WalkErrorContext, WalkEvent, WalkOptions } from './walk.js';
export { TipIndex } from './tips.js';
export type { TipTarget } from './tips.js';
export { findUnreachable, walkUnreachable } from './unreachable.js';
export type { UnreachableObjects, UnreachableWalkOptions } from './unreachable.js';
export { LruCache } from './lru.js';
export { adoptSharedPacks } from './pack.js';
export type { SharedPack } from './pack.js';

export interface OpenedRepository {
  repo: GitRepository;
  store: ObjectStore;
}

/**
 * Discovers the repository at `path` and opens its object store. Throws E_NOT_A_REPO, or E_EMPTY_REPO when no ref
 * resolves to an object (unless `allowEmpty`).
 */
export function openRepository(
  path: string,
  opts: DiscoverOptions & ObjectStoreOptions & { allowEmpty?: boolean } = {},
): OpenedRepository {
  const repo = discoverRepository(path, opts);
  if (opts.allowEmpty !== true && isEmptyRepository(repo)) {
    throw new LeakhoundError('E_EMPTY_REPO', `the repository at ${repo.workTree ?? repo.gitDir} has no commits yet`, {
      path: repo.workTree ?? repo.gitDir,
    });
  }
  return { repo, store: new ObjectStore(repo.objectsDir, opts) };
}
