// Test helpers for the baseline ledger: realistic findings, temp dirs, git.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommitRef, Finding, FindingStatus, Occurrence } from '../../src/types/index.js';

export const C1 = '1111111111111111111111111111111111111111';
export const C2 = '2222222222222222222222222222222222222222';
export const C3 = '3333333333333333333333333333333333333333';

export function commitRef(commit: string, date = '2024-01-01T00:00:00Z'): CommitRef {
  return { commit, author: 'Dev', email: 'dev@example.com', date, subject: 'change' };
}

export function occ(path: string, line: number, commit?: string, introduced = false): Occurrence {
  const o: Occurrence = { path, line, column: 5, endLine: line, endColumn: 44 };
  if (commit) o.commit = commit;
  if (introduced) o.introduced = true;
  return o;
}

export function finding(
  ruleId: string,
  secret: string,
  opts: { occurrences?: Occurrence[]; introducedIn?: CommitRef[]; removedIn?: CommitRef[]; status?: FindingStatus; atTips?: string[] } = {},
): Finding {
  return {
    fingerprint: `${ruleId}:unsalted`,
    ruleId,
    ruleName: ruleId,
    severity: 'high',
    secret,
    redacted: secret.slice(0, 4) + '…',
    entropy: 4,
    occurrences: opts.occurrences ?? [occ('config/app.env', 3, C1, true)],
    introducedIn: opts.introducedIn ?? [commitRef(C1)],
    removedIn: opts.removedIn ?? [],
    atTips: opts.atTips ?? ['refs/heads/main'],
    status: opts.status ?? 'present',
  };
}

export function tempDir(prefix = 'lh-baseline-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@example.com',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  });
}

// Realistic planted secrets (all fake). AWS's documented example key pair, a GitHub-token-shaped string, passwords.
export const AWS_ID = 'AKIAIOSFODNN7EXAMPLE';
export const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const GH_TOKEN = 'ghp_R8bVx2Lq9TzK4mW7nP3sY6cD1fH5jA0eG2uN';
export const PASSWORD = 'Summer2024!';
export const PASSWORD2 = 'hunter2';
