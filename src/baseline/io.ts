// Reading and writing the baseline file: validated load, atomic write, a lock against concurrent writers.
// Owns: every filesystem access of the baseline. May import: errors, ./format, ./ops (merge driver), node:fs, node:path, node:os, node:crypto.
//
// Guarantees:
// - `load` never returns an invalid baseline: corrupt JSON (with line:column), schema violations (with the JSON
//   pointer), foreign files (detect-secrets, gitleaks, newer format) are coded errors;
// - `save` writes `<dir>/.<name>.<pid>.<rand>.tmp`, fsyncs it, renames it over the target and fsyncs the directory,
//   so a reader sees the old or the new file, never half of one; if the bytes would not change, nothing is written;
// - `save` refuses to replace an existing file that is not a valid leakhound baseline (it is never overwritten);
// - a writer holds `<file>.lock` (created with O_EXCL, holding `{"pid","host","at"}`); a second writer fails with
//   E_BASELINE_LOCKED. A lock left by a dead process on the same host is detected by pid and taken over.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { LeakhoundError } from '../errors/index.js';
import { createBaseline, parseBaseline, serialize, type Baseline } from './format.js';
import { mergeThreeWay } from './ops.js';

/** Read and validate a baseline. Errors: E_BASELINE_NOT_FOUND, E_BASELINE_CORRUPT, E_BASELINE_FOREIGN, E_READ. */
export function load(path: string): Baseline {
  return parseBaseline(readText(path), path);
}

/** Like `load`, but a missing file gives a new empty baseline (for `baseline create` / first `update`). */
export function loadOrCreate(path: string, create: () => Baseline = () => createBaseline()): Baseline {
  try {
    return load(path);
  } catch (e) {
    if (e instanceof LeakhoundError && e.code === 'E_BASELINE_NOT_FOUND') return create();
    throw e;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LeakhoundError('E_BASELINE_NOT_FOUND', `${path}: baseline file not found`, { file: path });
    throw new LeakhoundError('E_READ', `${path}: cannot read baseline (${code ?? String(e)})`, { file: path, errno: code });
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readText(path);
  } catch (e) {
    if (e instanceof LeakhoundError && e.code === 'E_BASELINE_NOT_FOUND') return undefined;
    throw e;
  }
}

export interface Lock {
  readonly path: string;
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  at: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take `<file>.lock` exclusively. Fails with E_BASELINE_LOCKED if another live writer holds it. A lock whose pid is
 * dead on this host (or whose content is unreadable garbage older than a minute) is stale and taken over once.
 */
export function acquireLock(file: string): Lock {
  const lockPath = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new LeakhoundError('E_READ', `${lockPath}: cannot create lock (${(e as NodeJS.ErrnoException).code})`, { file: lockPath });
      const holder = readLockInfo(lockPath);
      if (attempt === 0 && holder && holder.host === hostname() && holder.pid !== process.pid && !pidAlive(holder.pid)) {
        try {
          unlinkSync(lockPath);
        } catch {
          /* someone else removed it: retry */
        }
        continue;
      }
      const who = holder ? ` by pid ${holder.pid} on ${holder.host} since ${holder.at}` : '';
      throw new LeakhoundError(
        'E_BASELINE_LOCKED',
        `${file}: baseline is locked${who}; another leakhound is writing it (remove ${lockPath} if that process is gone)`,
        { file, lock: lockPath, ...(holder ? { pid: holder.pid, host: holder.host } : {}) },
      );
    }
    const info: LockInfo = { pid: process.pid, host: hostname(), at: new Date().toISOString() };
    try {
      writeSync(fd, JSON.stringify(info) + '\n');
    } finally {
      closeSync(fd);
    }
    let released = false;
    return {
      path: lockPath,
      release() {
        if (released) return;
        released = true;
        try {
          const now = readLockInfo(lockPath);
          if (now && now.pid === info.pid && now.at === info.at) unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      },
    };
  }
  throw new LeakhoundError('E_BASELINE_LOCKED', `${file}: baseline is locked (lock file keeps reappearing)`, { file, lock: lockPath });
}

function readLockInfo(lockPath: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.at === 'string') return v as LockInfo;
  } catch {
    /* unreadable: treated as held */
  }
  return undefined;
}

export interface SaveOptions {
  /** A lock already held by the caller (from `acquireLock` / `update`); otherwise `save` takes and releases one. */
  lock?: Lock;
}

export interface SaveResult {
  /** False when the file already had exactly these bytes (nothing was written). */
  written: boolean;
  bytes: number;
}

/**
 * Write a baseline atomically in canonical form. Refuses (E_BASELINE_CORRUPT / E_BASELINE_FOREIGN) to replace an
 * existing file that does not load as a leakhound baseline; fails with E_BASELINE_LOCKED if another writer holds
 * the lock.
 */
export function save(path: string, b: Baseline, opts: SaveOptions = {}): SaveResult {
  const text = serialize(b);
  parseBaseline(text, path); // never write something we would refuse to read
  const lock = opts.lock ?? acquireLock(path);
  try {
    const existing = readIfExists(path);
    if (existing !== undefined) {
      parseBaseline(existing, path); // throws: a corrupt/foreign file is never overwritten
      if (existing === text) return { written: false, bytes: Buffer.byteLength(text) };
    }
    writeAtomic(path, text);
    return { written: true, bytes: Buffer.byteLength(text) };
  } finally {
    if (!opts.lock) lock.release();
  }
}

function writeAtomic(path: string, text: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* ignore */
    }
    throw new LeakhoundError('E_READ', `${path}: cannot write baseline (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: path });
  }
  try {
    const dfd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* some filesystems do not fsync directories */
  }
}

export interface UpdateOptions {
  /** Start from a new baseline when the file does not exist (default false: E_BASELINE_NOT_FOUND). */
  create?: boolean | (() => Baseline);
}

/**
 * Read-modify-write under the lock: lock, load (or create), `fn`, save, unlock. The lock is held while `fn` runs
 * (e.g. during the audit of `baseline update`), so a concurrent second writer fails with E_BASELINE_LOCKED instead of
 * losing one of the two updates. Nothing is written if `fn` throws.
 */
export async function update<T extends { baseline: Baseline }>(
  path: string,
  fn: (current: Baseline) => T | Promise<T>,
  opts: UpdateOptions = {},
): Promise<T & SaveResult> {
  const lock = acquireLock(path);
  try {
    const current = opts.create
      ? loadOrCreate(path, typeof opts.create === 'function' ? opts.create : undefined)
      : load(path);
    const out = await fn(current);
    const res = save(path, out.baseline, { lock });
    return { ...out, ...res };
  } finally {
    lock.release();
  }
}

/**
 * Git merge driver body: `leakhound baseline merge-driver %O %A %B` -> merge base (%O), ours (%A), theirs (%B)
 * semantically and write the result to `oursPath` (as git expects). A base that does not parse is ignored (two-way
 * union). Returns the notes to print. Throws (so git reports a conflict) when ours or theirs is not a valid baseline.
 */
export function runMergeDriver(basePath: string, oursPath: string, theirsPath: string): string[] {
  let base: Baseline | undefined;
  try {
    base = load(basePath);
  } catch {
    base = undefined;
  }
  const { baseline, notes } = mergeThreeWay(base, load(oursPath), load(theirsPath));
  writeAtomic(oursPath, serialize(baseline));
  return notes;
}
