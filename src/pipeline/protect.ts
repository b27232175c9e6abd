// The `protect` pipeline (pre-commit): what this commit would add -> findings, classified against the baseline.
// Staged mode (no file names): for each staged blob, the secrets it has that the blob it replaces did not. "Replaces"
// means the HEAD blob at that path, the MERGE_HEAD blobs at that path (a merge brings in what the other side already
// committed), and for an added path the blobs deleted by the same change (rename sources: a secret moved from a
// deleted file is not new). Files mode (file names from pre-commit / lint-staged): those files' whole content.
// Runs on the main thread: a hook scans a few blobs, and a worker costs more to start than it saves.
// Owns: protect semantics. May import: types, errors, rules, matcher, sources, findings, baseline, node:fs, picomatch.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { LeakhoundError } from '../errors/index.js';
import { groupMatches } from '../findings/index.js';
import { Matcher } from '../matcher/index.js';
import type { LoadedRules } from '../rules/load.js';
import { type StagedState, commitTree, isContentMode, lookupPath, readStaged } from '../sources/staged/index.js';
import type { Finding, Provenance, RawMatch, RuleSpec } from '../types/index.js';

export interface ProtectOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** File names (pre-commit framework / lint-staged): scan these files' content instead of the staged change. */
  files?: string[];
  inlineAllow: boolean;
  maxFileSize?: number;
  /** Extra path globs to skip (config `exclude`). */
  exclude: string[];
}

export interface ProtectStats {
  /** Staged blobs (or files) looked at. */
  files: number;
  bytes: number;
  binary: number;
  tooLarge: number;
  /** Matches dropped because the replaced blob already had the secret. */
  alreadyCommitted: number;
  ms: number;
}

export interface ProtectResult {
  mode: 'staged' | 'files';
  findings: Finding[];
  stats: ProtectStats;
  /** Repository root (work tree), when in a repository. */
  root?: string;
  /** Things the user should know (e.g. unresolved conflicts). Never a secret. */
  notes: string[];
}

const keyOf = (m: RawMatch): string => `${m.ruleId}\0${m.secret}`;

export function runProtect(loaded: LoadedRules, o: ProtectOptions): ProtectResult {
  // Date.now, not performance.now: the `performance` global loads perf_hooks (9 modules, ~1.6 ms of a hook's start).
  const t0 = Date.now();
  const mopts: ConstructorParameters<typeof Matcher>[1] = { allow: loaded.allow, inlineAllow: o.inlineAllow };
  if (o.maxFileSize !== undefined) mopts.maxBytes = o.maxFileSize;
  const matcher = new Matcher(loaded.rules, mopts);
  const excluded = o.exclude.length ? picomatch(o.exclude, { dot: true }) : () => false;
  const stats: ProtectStats = { files: 0, bytes: 0, binary: 0, tooLarge: 0, alreadyCommitted: 0, ms: 0 };
  const items: Array<{ match: RawMatch; prov: Provenance }> = [];
  const notes: string[] = [];
  const count = (r: ReturnType<Matcher['scanUnit']>, bytes: number): void => {
    stats.files++;
    stats.bytes += bytes;
    if (r.skipped === 'binary') stats.binary++;
    if (r.skipped === 'too-large') stats.tooLarge++;
  };
  const byId = new Map<string, RuleSpec>(loaded.rules.map((r) => [r.id, r]));

  if (o.files && o.files.length) {
    for (const name of o.files) {
      const abs = isAbsolute(name) ? name : resolve(o.cwd, name);
      let st;
      try {
        st = statSync(abs);
      } catch {
        continue; // deleted in this commit: pre-commit passes only existing files, others may not
      }
      if (!st.isFile()) continue;
      const display = relative(o.cwd, abs).split('\\').join('/') || name;
      if (excluded(display)) continue;
      if (o.maxFileSize !== undefined && st.size > o.maxFileSize) {
        stats.files++;
        stats.tooLarge++;
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(abs);
      } catch (e) {
        throw new LeakhoundError('E_READ', `cannot read ${display}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { path: display });
      }
      const r = matcher.scanUnit({ id: display, bytes, pathHint: display });
      count(r, bytes.length);
      for (const m of r.matches) items.push({ match: m, prov: { kind: 'file', path: display } });
    }
    stats.ms = Date.now() - t0;
    return { mode: 'files', findings: groupMatches(items, byId), stats, notes };
  }

  const st: StagedState = readStaged({ cwd: o.cwd, env: o.env });
  const root = st.repo.workTree ?? undefined;
  if (st.conflicted.length) notes.push(`${st.conflicted.length} path(s) still have merge conflicts (git will refuse the commit until they are resolved)`);
  const oldCache = new Map<string, Set<string>>();
  const secretsOf = (oid: string, path: string): Set<string> => {
    let s = oldCache.get(oid);
    if (!s) {
      s = new Set(matcher.scanUnit({ id: oid, bytes: st.store.readAs(oid, 'blob'), pathHint: path }).matches.map(keyOf));
      oldCache.set(oid, s);
    }
    return s;
  };
  const mergeTrees = st.mergeHeads.map((c) => commitTree(st.store, c));
  const deleted = st.changes.filter((c) => c.newOid === null && c.oldOid !== null && isContentMode(c.oldMode));
  try {
    for (const c of st.changes) {
      if (c.newOid === null || !isContentMode(c.newMode) || excluded(c.path)) continue;
      const bytes = st.store.readAs(c.newOid, 'blob');
      const r = matcher.scanUnit({ id: c.newOid, bytes, pathHint: c.path });
      count(r, bytes.length);
      if (!r.matches.length) continue;
      // Only now (rarely) look at what the staged blob replaces.
      const before: Array<{ oid: string; path: string }> = [];
      if (c.oldOid !== null && isContentMode(c.oldMode)) before.push({ oid: c.oldOid, path: c.path });
      for (const t of mergeTrees) {
        const e = lookupPath(st.store, t, c.path);
        if (e && isContentMode(e.mode)) before.push({ oid: e.oid, path: c.path });
      }
      if (c.oldOid === null) for (const d of deleted) before.push({ oid: d.oldOid!, path: d.path });
      const old = new Set<string>();
      for (const b of before) for (const k of secretsOf(b.oid, b.path)) old.add(k);
      const prov: Provenance = { kind: 'staged', path: c.path, blob: c.newOid };
      for (const m of r.matches) {
        if (old.has(keyOf(m))) stats.alreadyCommitted++;
        else items.push({ match: m, prov });
      }
    }
  } finally {
    st.store.close();
  }
  stats.ms = Date.now() - t0;
  const res: ProtectResult = { mode: 'staged', findings: groupMatches(items, byId), stats, notes };
  if (root !== undefined) res.root = root;
  return res;
}
