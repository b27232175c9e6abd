// The built-in rules cache (dist/rules.json): parsed built-in rule files plus every pattern's safety verdict.
// Why: parsing ~40 YAML files and proving ~150 patterns backtracking-safe takes seconds; `leakhound protect` runs on
// every commit and must start in well under 150 ms. The cache is written at build time (scripts/postbuild.mjs ->
// writeBuiltinCache) and used only when its key matches: a hash of every file in patterns/ and of the built modules
// whose code decides the result (rule parsing, regex parsing, safety proof, validators). Any mismatch, a missing or
// unreadable cache, or LEAKHOUND_NO_RULES_CACHE=1 falls back to loading from source, so the cache can go stale but
// never wrong.
// Owns: the cache file format. May import: types, matcher/regex (parse, safety, verdicts), node:fs, node:path, node:crypto (lazily).
import { readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parsePattern } from '../matcher/regex/parse.js';
import { analyze } from '../matcher/regex/safety.js';
import { factsOf } from '../matcher/regex/facts.js';
import { type StoredVerdict, seedVerdicts, verdictKey } from '../matcher/regex/verdicts.js';
import type { GlobalAllowlist, RuleSpec } from '../types/index.js';

export const CACHE_VERSION = 2;
/** Built modules whose code shapes the cached data; part of the key. */
export const CODE_INPUTS = ['dist/src/rules/load.js', 'dist/src/rules/cache.js', 'dist/src/matcher/regex/parse.js', 'dist/src/matcher/regex/safety.js', 'dist/src/matcher/regex/facts.js', 'dist/src/matcher/checks.js'];

interface CachedFile {
  file: string;
  provider: string;
  rules: RuleSpec[];
}
interface CacheData {
  version: number;
  key: string;
  /** [file name in patterns/ or code input path, size, mtime in ms] of every key input when the cache was written. */
  stamps?: Array<[string, number, number]>;
  files: CachedFile[];
  allow: GlobalAllowlist;
  verdicts: Record<string, StoredVerdict>;
}

export function cacheFile(packageRoot: string): string {
  return join(packageRoot, 'dist', 'rules.json');
}

/** The files the key covers, as [label, path]: every rule file in patterns/ and the code inputs. */
function keyInputs(packageRoot: string, patternsDir: string): Array<[string, string]> | undefined {
  try {
    const names = readdirSync(patternsDir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
    return [...names.map((n): [string, string] => [n, `${patternsDir}/${n}`]), ...CODE_INPUTS.map((f): [string, string] => [f, `${packageRoot}/${f}`])];
  } catch {
    return undefined;
  }
}

/** Hash of patterns/ (names and bytes) and the code inputs; undefined when a code input is missing (not built). */
export function cacheKey(packageRoot: string, patternsDir: string): string | undefined {
  const files = keyInputs(packageRoot, patternsDir);
  if (files === undefined) return undefined;
  // node:crypto is fetched only here: loading it costs ~6 ms of start-up, and a cache whose stamps match never hashes.
  const h = process.getBuiltinModule('node:crypto').createHash('sha256').update(`v${CACHE_VERSION}\0`);
  const patterns = files.length - CODE_INPUTS.length;
  for (let i = 0; i < files.length; i++) {
    const [label, path] = files[i]!;
    if (i < patterns) h.update(label).update('\0').update(readFileSync(path)).update('\0');
    else {
      try {
        h.update(label).update('\0').update(readFileSync(path));
      } catch {
        return undefined;
      }
    }
  }
  return h.digest('hex');
}

/** Size and mtime of every key input, or undefined when one is missing. */
function stampsOf(packageRoot: string, patternsDir: string): Array<[string, number, number]> | undefined {
  const files = keyInputs(packageRoot, patternsDir);
  if (files === undefined) return undefined;
  const out: Array<[string, number, number]> = [];
  for (const [label, f] of files) {
    const st = statSync(f, { throwIfNoEntry: false });
    if (st === undefined) return undefined;
    out.push([label, st.size, st.mtimeMs]);
  }
  return out;
}

/**
 * Whether the cache was written from exactly these inputs. Fast path: the same files with the same sizes and
 * mtimes as when it was written (a stat each, no reading; stops at the first difference); otherwise the content
 * hash decides, so a touched but unchanged file costs one hash, and a changed one is always caught.
 */
function isCurrent(data: CacheData, packageRoot: string, patternsDir: string): boolean {
  const then = data.stamps;
  const files = then === undefined ? undefined : keyInputs(packageRoot, patternsDir);
  if (then !== undefined && files !== undefined && files.length === then.length) {
    let same = true;
    for (let i = 0; i < files.length && same; i++) {
      const [label, f] = files[i]!;
      const was = then[i]!;
      const st = label === was[0] ? statSync(f, { throwIfNoEntry: false }) : undefined;
      same = st !== undefined && st.size === was[1] && st.mtimeMs === was[2];
    }
    if (same) return true;
  }
  return data.key === cacheKey(packageRoot, patternsDir);
}

/** Makes the cached files' paths absolute again, in place (the objects are fresh from JSON.parse and ours). */
const rebase = (root: string, f: CachedFile): CachedFile => {
  const file = join(root, f.file);
  f.file = file;
  for (const r of f.rules) r.source = { file, line: r.source.line };
  return f;
};

/** The cached built-in rules when the cache is valid (and seeds the matcher's verdicts), else undefined. */
export function readBuiltinCache(packageRoot: string, patternsDir: string): { files: CachedFile[]; allow: GlobalAllowlist } | undefined {
  if (process.env.LEAKHOUND_NO_RULES_CACHE === '1') return undefined;
  let data: CacheData;
  try {
    // Written as ASCII (non-ASCII escaped), so read as latin1: no UTF-8 decoding of 340 KB on every start.
    data = JSON.parse(readFileSync(cacheFile(packageRoot), 'latin1')) as CacheData;
  } catch {
    return undefined;
  }
  if (data.version !== CACHE_VERSION || !isCurrent(data, packageRoot, patternsDir)) return undefined;
  seedVerdicts(data.verdicts);
  return { files: data.files.map((f) => rebase(packageRoot, f)), allow: data.allow };
}

/** Writes the cache for the given (freshly parsed, uncached) built-in rules. Returns the file written, or undefined. */
export function writeBuiltinCache(packageRoot: string, patternsDir: string, builtin: { files: CachedFile[]; allow: GlobalAllowlist }): string | undefined {
  const key = cacheKey(packageRoot, patternsDir);
  if (key === undefined) return undefined;
  const verdicts: CacheData['verdicts'] = {};
  const add = (pattern: string, flags: string): void => {
    const k = verdictKey(pattern, flags);
    if (verdicts[k]) return;
    const p = parsePattern(pattern, flags);
    const v = analyze(p.ast, p.flags.i);
    verdicts[k] = { engine: v.engine, costPerStart: Number.isFinite(v.costPerStart) ? v.costPerStart : null, reason: v.reason, facts: factsOf(pattern, flags) };
  };
  for (const f of builtin.files)
    for (const r of f.rules) {
      add(r.pattern, r.flags);
      for (const a of r.allowRegexes) add(a.pattern, '');
    }
  for (const a of builtin.allow.regexes) add(a.pattern, '');
  const stamps = stampsOf(packageRoot, patternsDir);
  const data: CacheData = {
    version: CACHE_VERSION,
    key,
    ...(stamps !== undefined ? { stamps } : {}),
    files: builtin.files.map((f) => {
      const file = relative(packageRoot, f.file);
      return { file, provider: f.provider, rules: f.rules.map((r) => ({ ...r, source: { file, line: r.source.line } })) };
    }),
    allow: builtin.allow,
    verdicts,
  };
  const out = cacheFile(packageRoot);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  renameSync(tmp, out);
  return out;
}
