// What is still present at each ref tip: "which tips contain blob X at path P", answered by walking only the
// path's components through the shared TreeCache (O(depth) per query, trees parsed once), with a small memo per
// (root tree, path) because many tips share root trees. Full per-tip blob sets are available but cost memory
// proportional to the tree size, so they are built only on request.
// May import: ./object-store, ./walk, ./parse, ./refs, ./lru, errors.
import type { LeakhoundError } from '../../errors/index.js';
import { LruCache } from './lru.js';
import type { ObjectStore } from './object-store.js';
import { decodeName, parseCommitLinks, parseTag, rawOid } from './parse.js';
import { TreeCache } from './walk.js';

export interface TipTarget {
  /** Ref name (reported back by the queries). */
  name: string;
  /** What the ref points at: a commit, an annotated tag, a tree or a blob. */
  oid: string;
}

interface ResolvedTip {
  name: string;
  /** Root tree, or null when the tip is a blob (then `blob` is set) or unreadable. */
  tree: string | null;
  blob: string | null;
}

function toLatin1(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

export class TipIndex {
  private readonly tips: ResolvedTip[] = [];
  private readonly memo = new LruCache<string, string | null>(Number.POSITIVE_INFINITY, 200_000);
  readonly trees: TreeCache;
  /** Tips that could not be resolved (missing/corrupt objects); they never match. */
  readonly errors: LeakhoundError[] = [];

  constructor(
    readonly store: ObjectStore,
    tips: Iterable<TipTarget>,
    trees?: TreeCache,
  ) {
    this.trees = trees ?? new TreeCache(store);
    for (const t of tips) this.tips.push(this.resolve(t));
  }

  private resolve(t: TipTarget): ResolvedTip {
    let cur = t.oid;
    try {
      for (let d = 0; d < 100; d++) {
        const o = this.store.read(cur);
        if (o.type === 'tag') cur = parseTag(o.data, cur).object;
        else if (o.type === 'commit') return { name: t.name, tree: parseCommitLinks(o.data, cur).tree, blob: null };
        else if (o.type === 'tree') return { name: t.name, tree: cur, blob: null };
        else return { name: t.name, tree: null, blob: cur };
      }
    } catch (e) {
      this.errors.push(e as LeakhoundError);
    }
    return { name: t.name, tree: null, blob: null };
  }

  /** Names of the tips, in the order given. */
  get names(): string[] {
    return this.tips.map((t) => t.name);
  }

  /** The entry at `path` under `tree` as `mode oid`, or null. */
  private lookup(tree: string, path: string): string | null {
    const key = `${tree}:${path}`;
    const m = this.memo.get(key);
    if (m !== undefined) return m;
    const parts = path.split('/').filter((p) => p !== '');
    let cur = tree;
    let result: string | null = null;
    for (let k = 0; k < parts.length; k++) {
      const last = k === parts.length - 1;
      const name = toLatin1(parts[k] ?? '') + (last ? '' : '/');
      let t;
      try {
        t = this.trees.get(cur);
      } catch {
        break;
      }
      // Binary search: entries are sorted by this very key.
      let lo = 0;
      let hi = t.names.length;
      let idx = -1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const n = t.names[mid] ?? '';
        if (n === name) {
          idx = mid;
          break;
        }
        if (n < name) lo = mid + 1;
        else hi = mid;
      }
      if (idx < 0) break;
      if (last) result = `${t.modes[idx] ?? ''} ${rawOid(t, idx)}`;
      else cur = rawOid(t, idx);
    }
    this.memo.set(key, result, 1);
    return result;
  }

  /** The blob (or gitlink / symlink) at `path` in the named tip, or null. */
  entryAt(tipName: string, path: string): { oid: string; mode: string } | null {
    const tip = this.tips.find((t) => t.name === tipName);
    if (tip?.tree == null) return null;
    const r = this.lookup(tip.tree, path);
    if (r === null) return null;
    const sp = r.indexOf(' ');
    return { mode: r.slice(0, sp), oid: r.slice(sp + 1) };
  }

  /**
   * Names of the tips whose tree holds exactly `blob` at `path`. A tip that is a blob itself (a tag pointing at a
   * blob) matches when it is that blob, whatever the path.
   */
  tipsContaining(path: string, blob: string): string[] {
    const out: string[] = [];
    for (const t of this.tips) {
      if (t.blob !== null) {
        if (t.blob === blob) out.push(t.name);
        continue;
      }
      if (t.tree === null) continue;
      const r = this.lookup(t.tree, path);
      if (r !== null && r.endsWith(blob) && !r.startsWith('40000 ')) out.push(t.name);
    }
    return out;
  }

  /** Every blob-like entry (blobs, symlinks, gitlinks: check `mode`) of the named tip's tree, depth first. */
  *entries(tipName: string): Generator<{ path: string; oid: string; mode: string }> {
    const tip = this.tips.find((t) => t.name === tipName);
    if (tip === undefined) return;
    if (tip.blob !== null) {
      yield { path: '', oid: tip.blob, mode: '100644' };
      return;
    }
    if (tip.tree === null) return;
    const stack: [string, string][] = [[tip.tree, '']];
    while (stack.length > 0) {
      const [oid, prefix] = stack.pop() ?? ['', ''];
      const t = this.trees.get(oid);
      for (let i = 0; i < t.names.length; i++) {
        const n = t.names[i] ?? '';
        if (n.endsWith('/')) stack.push([rawOid(t, i), prefix + n]);
        else yield { path: decodeName(prefix + n), oid: rawOid(t, i), mode: t.modes[i] ?? '' };
      }
    }
  }

  /** The set of blob oids at the named tip (gitlinks excluded). Memory: one entry per distinct blob of that tree. */
  blobSet(tipName: string): Set<string> {
    const s = new Set<string>();
    for (const e of this.entries(tipName)) if (e.mode !== '160000') s.add(e.oid);
    return s;
  }
}
