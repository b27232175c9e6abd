// Helpers for the `leakhound baseline` CLI tests: real git repositories in temp dirs, the built CLI, a fixed small
// rule selection (so other engineers' rule work does not change what these tests see).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type CliResult, runCli } from '../helpers/cli.js';

export { TOKENS } from '../helpers/rules.js';

export const RULES = ['--enable-rule', 'github', '--enable-rule', 'stripe', '--enable-rule', 'slack', '--threads', '0'];
export const FILE = '.leakhound-baseline.json';

let tick = 0;
/** git with a fixed identity and strictly increasing dates (unless `date` is given). */
export function git(cwd: string, args: string[], date?: string): string {
  const when = date ?? new Date(Date.UTC(2024, 0, 1) + ++tick * 60_000).toISOString();
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_DATE: when,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  });
}

export interface Repo {
  dir: string;
  /** A scratch directory outside the repository (for baseline copies). */
  scratch: string;
  cleanup(): void;
}

export function newRepo(): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'lh-bcli-'));
  const scratch = mkdtempSync(join(tmpdir(), 'lh-bcli-scratch-'));
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'user.email', 'alice@example.com']);
  git(dir, ['config', 'user.name', 'Alice']);
  return {
    dir,
    scratch,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export function write(dir: string, path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

export function commit(dir: string, msg: string, date?: string): string {
  git(dir, ['add', '-A'], date);
  git(dir, ['commit', '-q', '-m', msg], date);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

/** `leakhound <args>` in the repository, with the test rule selection for commands that scan. */
export function lh(dir: string, args: string[], opts: { rules?: boolean } = {}): CliResult {
  return runCli([...args, ...(opts.rules === false ? [] : RULES), ...(args[0] === 'scan' ? [] : ['--no-progress'])], { cwd: dir });
}

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export interface BaselineJson {
  salt: string;
  seenTips: Record<string, string>;
  entries: Record<string, { ruleId: string; hash: string; status: string; found: boolean; triage: Record<string, string>; atTips: string[]; occurrences: Array<{ path: string; line: number; commit?: string }> }>;
}

export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
