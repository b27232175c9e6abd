// Repository discovery: from a path (or GIT_DIR) to the git directory, the common directory of linked worktrees,
// the objects directory and the shallow boundary. No git binary, no isomorphic-git (this must be cheap and sync).
// Owns: E_NOT_A_REPO. (E_EMPTY_REPO is raised by openRepository in ./index, which needs the refs.)
// May import: node:fs, node:path, errors.
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LeakhoundError } from '../../errors/index.js';

export interface GitRepository {
  /** The per-worktree git directory (`.git`, `.git/worktrees/<id>`, or the bare repository). */
  gitDir: string;
  /** Shared directory holding objects, refs, packed-refs (equals gitDir except in linked worktrees). */
  commonDir: string;
  objectsDir: string;
  /** The working tree, or null for a bare repository or an explicit GIT_DIR without a work tree. */
  workTree: string | null;
  bare: boolean;
  /** True for a linked worktree (`git worktree add`). */
  linkedWorktree: boolean;
  /** Commits at the shallow boundary (their parents are absent); empty unless the clone is shallow. */
  shallow: string[];
}

export interface DiscoverOptions {
  /** Environment to read GIT_DIR / GIT_WORK_TREE from (default: none: pass process.env explicitly to honour it). */
  env?: Readonly<Record<string, string | undefined>>;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** What git itself checks: a HEAD file, and objects + refs (possibly through commondir). */
function looksLikeGitDir(dir: string): boolean {
  if (!isFile(join(dir, 'HEAD'))) return false;
  if (isFile(join(dir, 'commondir'))) return true;
  return isDir(join(dir, 'objects')) && isDir(join(dir, 'refs'));
}

function readGitFile(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const m = /^gitdir: *(.+?)\s*$/m.exec(text);
  if (m === null || m[1] === undefined) return null;
  return isAbsolute(m[1]) ? m[1] : resolve(dirname(file), m[1]);
}

function notARepo(path: string, why: string): LeakhoundError {
  return new LeakhoundError('E_NOT_A_REPO', `not a git repository: ${path} (${why})`, { path, reason: why });
}

function configSaysBare(commonDir: string): boolean | null {
  let text: string;
  try {
    text = readFileSync(join(commonDir, 'config'), 'utf8');
  } catch {
    return null;
  }
  const m = /^\s*bare\s*=\s*(\w+)/im.exec(text);
  if (m === null) return null;
  return m[1]?.toLowerCase() === 'true';
}

function build(gitDir: string, workTree: string | null): GitRepository {
  let commonDir = gitDir;
  const cd = join(gitDir, 'commondir');
  if (isFile(cd)) {
    const rel = readFileSync(cd, 'utf8').trim();
    commonDir = isAbsolute(rel) ? rel : resolve(gitDir, rel);
  }
  const shallowText = (() => {
    for (const d of [gitDir, commonDir]) {
      try {
        return readFileSync(join(d, 'shallow'), 'utf8');
      } catch {
        /* not shallow here */
      }
    }
    return '';
  })();
  const shallow = shallowText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[0-9a-f]{40}$/.test(l));
  const bareCfg = configSaysBare(commonDir);
  return {
    gitDir,
    commonDir,
    objectsDir: join(commonDir, 'objects'),
    workTree,
    bare: workTree === null && bareCfg !== false,
    linkedWorktree: commonDir !== gitDir,
    shallow,
  };
}

/**
 * Finds the repository containing `start`: a `.git` directory, a `.git` file (`gitdir:`, linked worktrees and
 * submodules), or a bare repository, searching upwards like git. `GIT_DIR` in `opts.env` short-circuits the search.
 * Throws E_NOT_A_REPO with one clear message.
 */
export function discoverRepository(start: string, opts: DiscoverOptions = {}): GitRepository {
  const env = opts.env ?? {};
  const envDir = env['GIT_DIR'];
  if (envDir !== undefined && envDir !== '') {
    const gitDir = resolve(start, envDir);
    if (!looksLikeGitDir(gitDir)) throw notARepo(gitDir, 'GIT_DIR does not point at a git directory');
    const wt = env['GIT_WORK_TREE'];
    return build(gitDir, wt !== undefined && wt !== '' ? resolve(start, wt) : null);
  }
  const abs = resolve(start);
  if (!isDir(abs) && !isFile(abs)) throw notARepo(abs, 'path does not exist');
  let dir = isDir(abs) ? abs : dirname(abs);
  for (;;) {
    const dotGit = join(dir, '.git');
    if (isDir(dotGit) && looksLikeGitDir(dotGit)) return build(dotGit, dir);
    if (isFile(dotGit)) {
      const target = readGitFile(dotGit);
      if (target === null) throw notARepo(dir, `${dotGit} is not a valid gitdir file`);
      if (!looksLikeGitDir(target)) throw notARepo(dir, `${dotGit} points at ${target}, which is not a git directory`);
      return build(target, dir);
    }
    if (looksLikeGitDir(dir)) {
      // A bare repository, or the inside of a .git directory.
      const repo = build(dir, null);
      const parentGit = dir.endsWith('/.git') || dir.endsWith('\\.git');
      if (parentGit && configSaysBare(repo.commonDir) !== true) return { ...repo, workTree: dirname(dir), bare: false };
      return repo;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw notARepo(abs, 'no .git found in it or any parent directory');
}
