// Helpers for the verification CLI tests: the built CLI run asynchronously (the loopback servers live in this process,
// so a blocking spawnSync would starve them), with a preloaded guard that refuses any non-loopback fetch, and small
// git repositories built with the git CLI.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN, type CliResult } from '../helpers/cli.js';

const GUARD = pathToFileURL(fileURLToPath(new URL('./fixtures/loopback-only.mjs', import.meta.url))).href;

/** Runs the built CLI; never lets it leave 127.0.0.1 and never inherits an STS endpoint from the environment. */
export function runCliAsync(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_') && k !== 'LEAKHOUND_AWS_STS_ENDPOINT') env[k] = v;
  Object.assign(env, { NO_COLOR: '1', NODE_OPTIONS: `--import=${GUARD}` }, opts.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' });
}

/**
 * A repository with one commit per step; each step maps paths to content (null deletes the path).
 */
export function repoWith(steps: Array<Record<string, string | null>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lh-verify-cli-'));
  git(dir, 'init', '-q', '-b', 'main');
  steps.forEach((files, i) => {
    for (const [p, c] of Object.entries(files)) {
      const full = join(dir, p);
      if (c === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, c);
      }
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '--allow-empty', '-m', `step ${i + 1}`);
  });
  return dir;
}
