// Shared scaffolding of the benchmark repository generators (bench/git/make-repo.ts, bench/audit/make-repo.ts):
// command-line numbers, a fresh repository, a `git fast-import` stream with back-pressure, and the final repack.
// The generators keep only what differs: the content they write.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function numArg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

/** `--out DIR`, else bench/.work/<fallback>. */
export function outDir(fallback: string): string {
  const i = process.argv.indexOf('--out');
  return resolve(i >= 0 ? (process.argv[i + 1] ?? '') : join('bench', '.work', fallback));
}

/** xorshift32: the generators' deterministic PRNG (kept as it was, so generated repositories stay the same). */
export function xorshift(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

export interface FastImport {
  env: NodeJS.ProcessEnv;
  /** Writes one chunk, waiting for the pipe to drain when it is full. */
  write(chunk: string): Promise<void>;
  /** Ends the stream and waits for fast-import; repacks with deep delta chains unless told not to. */
  finish(opts: { repack: boolean }): Promise<void>;
}

/** A fresh repository at `out` (replacing any), with git's user and system config ignored, fed by fast-import. */
export function startFastImport(out: string): FastImport {
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  execFileSync('git', ['init', '-q', '-b', 'main', out], { env });
  const fi = spawn('git', ['fast-import', '--quiet', '--depth=50'], { cwd: out, env, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((res, rej) => fi.on('exit', (c) => (c === 0 ? res() : rej(new Error(`fast-import exit ${c}`)))));
  return {
    env,
    async write(chunk) {
      if (!fi.stdin.write(chunk)) await new Promise((r) => fi.stdin.once('drain', r));
    },
    async finish({ repack }) {
      fi.stdin.end();
      await done;
      if (repack) execFileSync('git', ['repack', '-q', '-a', '-d', '-f', '--depth=50', '--window=10'], { cwd: out, env, stdio: 'inherit' });
    },
  };
}
