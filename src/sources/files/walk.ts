// Working-directory source: files and directories -> file paths to scan, honouring .gitignore and excludes.
// Owns: directory walking (nested .gitignore files, --exclude globs, size limit, symlinks not followed).
// May import: types, errors, node:fs, node:path, ignore, picomatch. Never imports the matcher.
import { lstatSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import { LeakhoundError } from '../../errors/index.js';

export interface WalkOptions {
  exclude: string[];
  /** Honour .gitignore files (default true). */
  gitignore?: boolean;
  maxFileSize?: number;
}

export interface WalkEntry {
  /** Absolute path. */
  abs: string;
  /** Path shown to the user: relative to the current directory when under it. */
  display: string;
  size: number;
}

export interface WalkSkip {
  display: string;
  reason: 'too-large' | 'unreadable' | 'special';
  detail?: string;
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** Yields files under the given paths. Missing paths are an error (before anything is yielded). */
export function* walkPaths(paths: string[], opts: WalkOptions, skipped: WalkSkip[], cwd = process.cwd()): Generator<WalkEntry> {
  for (const p of paths) {
    try {
      statSync(p);
    } catch {
      throw new LeakhoundError('E_PATH_NOT_FOUND', `no such file or directory: ${p}`, { path: p });
    }
  }
  const excluded = opts.exclude.length ? picomatch(opts.exclude, { dot: true }) : undefined;
  const display = (abs: string): string => {
    const rel = relative(cwd, abs);
    return toPosix(rel && !rel.startsWith('..') ? rel : abs);
  };
  for (const p of paths) {
    const root = resolve(p);
    const st = statSync(root);
    if (st.isFile()) {
      if (opts.maxFileSize !== undefined && st.size > opts.maxFileSize) skipped.push({ display: display(root), reason: 'too-large' });
      else yield { abs: root, display: display(root), size: st.size };
      continue;
    }
    if (!st.isDirectory()) {
      skipped.push({ display: display(root), reason: 'special' });
      continue;
    }
    yield* walkDir(root, root, [], opts, excluded, skipped, display);
  }
}

function* walkDir(
  root: string,
  dir: string,
  ignores: Array<{ base: string; ig: Ignore }>,
  opts: WalkOptions,
  excluded: ((p: string) => boolean) | undefined,
  skipped: WalkSkip[],
  display: (abs: string) => string,
): Generator<WalkEntry> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    skipped.push({ display: display(dir), reason: 'unreadable', detail: (e as NodeJS.ErrnoException).code ?? String(e) });
    return;
  }
  let local = ignores;
  if (opts.gitignore !== false && entries.some((e) => e.name === '.gitignore' && e.isFile())) {
    try {
      local = [...ignores, { base: dir, ig: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }];
    } catch {
      /* an unreadable .gitignore ignores nothing */
    }
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name === '.git') continue;
    const abs = join(dir, e.name);
    const relRoot = toPosix(relative(root, abs));
    const isDir = e.isDirectory();
    if (excluded && (excluded(relRoot) || excluded(display(abs)) || (isDir && excluded(relRoot + '/')))) continue;
    if (local.some(({ base, ig }) => ig.ignores(toPosix(relative(base, abs)) + (isDir ? '/' : '')))) continue;
    if (isDir) {
      yield* walkDir(root, abs, local, opts, excluded, skipped, display);
      continue;
    }
    if (e.isSymbolicLink()) continue; // symlinks are not followed
    if (!e.isFile()) continue;
    let size: number;
    try {
      size = lstatSync(abs).size;
    } catch (err) {
      skipped.push({ display: display(abs), reason: 'unreadable', detail: (err as NodeJS.ErrnoException).code ?? String(err) });
      continue;
    }
    if (opts.maxFileSize !== undefined && size > opts.maxFileSize) {
      skipped.push({ display: display(abs), reason: 'too-large' });
      continue;
    }
    yield { abs, display: display(abs), size };
  }
}
