// Objects that no ref reaches (dangling after a rebase, an amend, a reset, a deleted branch or a history rewrite):
// every oid in the pack indexes and loose directories, minus the `reached` set filled by walkHistory.
// May import: ./object-store, ./walk, ./parse, errors.
import { isLeakhoundError, type LeakhoundError } from '../../errors/index.js';
import type { ObjectStore } from './object-store.js';
import { parseCommitLinks } from './parse.js';
import { TreeCache, walkHistory, type WalkErrorContext, type WalkEvent } from './walk.js';

export interface UnreachableObjects {
  /** All unreachable commits. */
  commits: string[];
  /** Unreachable commits that no other unreachable commit has as parent: the tips to walk. */
  danglingCommits: string[];
  tags: string[];
  trees: string[];
  blobs: string[];
}

/**
 * Classifies every stored object that is not in `reached` (a set filled by walkHistory's `reached` option over all
 * refs). Costs one header read per unreachable object; unreadable ones go to `onError`.
 */
export function findUnreachable(
  store: ObjectStore,
  reached: ReadonlySet<string>,
  onError?: (e: LeakhoundError) => void,
): UnreachableObjects {
  const out: UnreachableObjects = { commits: [], danglingCommits: [], tags: [], trees: [], blobs: [] };
  for (const oid of store.allOids()) {
    if (reached.has(oid)) continue;
    try {
      const h = store.readHeader(oid);
      if (h.type === 'commit') out.commits.push(oid);
      else if (h.type === 'tag') out.tags.push(oid);
      else if (h.type === 'tree') out.trees.push(oid);
      else out.blobs.push(oid);
    } catch (e) {
      if (onError === undefined || !isLeakhoundError(e)) throw e;
      onError(e);
    }
  }
  const isParent = new Set<string>();
  for (const c of out.commits) {
    try {
      for (const p of parseCommitLinks(store.readAs(c, 'commit'), c).parents) isParent.add(p);
    } catch (e) {
      if (onError === undefined || !isLeakhoundError(e)) throw e;
      onError(e);
    }
  }
  out.danglingCommits = out.commits.filter((c) => !isParent.has(c));
  return out;
}

export interface UnreachableWalkOptions {
  /** The set filled by the main walk (`walkHistory({..., reached})`); it keeps growing during this walk. */
  reached: Set<string>;
  trees?: TreeCache;
  shallow?: Iterable<string>;
  onError?: (err: LeakhoundError, ctx: WalkErrorContext) => void;
}

/**
 * Walks what the refs do not reach: unreachable tags and dangling commits as tips (reachable commits are skipped,
 * but still serve as diff bases, so an amended-away commit shows only its own changes), then yields the
 * remaining unreachable blobs (added to the index and never committed, or only in dangling trees) as blob events.
 * Every event of this generator is unreachable.
 */
export function* walkUnreachable(store: ObjectStore, opts: UnreachableWalkOptions): Generator<WalkEvent> {
  const u = findUnreachable(store, opts.reached, opts.onError === undefined ? undefined : (e) => opts.onError?.(e, {}));
  const walkOpts: Parameters<typeof walkHistory>[1] = {
    tips: [...u.tags, ...u.danglingCommits],
    // Reached commits are off limits; the set also grows with this walk's commits, which are visited anyway.
    skip: opts.reached,
    reached: opts.reached,
    trees: opts.trees ?? new TreeCache(store),
  };
  if (opts.shallow !== undefined) walkOpts.shallow = opts.shallow;
  if (opts.onError !== undefined) walkOpts.onError = opts.onError;
  yield* walkHistory(store, walkOpts);
  for (const b of u.blobs) {
    if (opts.reached.has(b)) continue;
    opts.reached.add(b);
    yield { kind: 'blob', oid: b, via: [] };
  }
}
