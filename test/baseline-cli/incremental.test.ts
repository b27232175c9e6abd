// Incremental audits (`baseline update`, `audit --baseline`) give exactly what a full audit gives: new commits on a
// branch, a new branch from an old commit that brings back an old file, a merge of it, an annotated tag, then a
// force-push (which must fall back to a full audit).
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BaselineJson, type Repo, TOKENS, commit, git, lh, newRepo, readJson, show, write } from './helpers.js';

const SLOW = 300_000;

function failingCount(stdout: string): number {
  const m = /(\d+) new or failing/.exec(stdout);
  return m ? Number(m[1]) : 0;
}

/** Copy `from` to two files, update one incrementally and one with --full; both must be byte-identical. */
function updateBoth(repo: Repo, from: string, tag: string): { inc: string; full: string; incOut: string } {
  const inc = join(repo.scratch, `${tag}-inc.json`);
  const full = join(repo.scratch, `${tag}-full.json`);
  copyFileSync(from, inc);
  copyFileSync(from, full);
  const a = lh(repo.dir, ['baseline', 'update', '--baseline', inc]);
  expect(a.code, show(a)).toBe(0);
  const b = lh(repo.dir, ['baseline', 'update', '--baseline', full, '--full']);
  expect(b.code, show(b)).toBe(0);
  expect(b.stderr).toContain('full audit');
  return { inc, full, incOut: a.stderr };
}

describe('incremental audit equals full audit', () => {
  let repo: Repo | undefined;
  afterEach(() => repo?.cleanup());

  it('new commits, a new branch (merged back), a tag, then a force-push', () => {
    repo = newRepo();
    const { dir, scratch } = repo;
    // t0: main c1 (token in a.js), c2 (stripe key in b.py), branch `old` at c2, c3 deletes a.js
    write(dir, 'a.js', `const t = "${TOKENS.ghp}";\n`);
    commit(dir, 'c1');
    write(dir, 'b.py', `import os\nstripe.api_key = "${TOKENS.skLive}"\n`);
    const c2 = commit(dir, 'c2');
    git(dir, ['branch', 'old', c2]);
    git(dir, ['rm', '-q', 'a.js']);
    git(dir, ['commit', '-q', '-m', 'c3: drop a.js']);
    const c3 = git(dir, ['rev-parse', 'HEAD']).trim();
    const b0 = join(scratch, 'b0.json');
    const cr = lh(dir, ['baseline', 'create', '--baseline', b0]);
    expect(cr.code, show(cr)).toBe(0);
    expect(Object.keys(readJson<BaselineJson>(b0).entries)).toHaveLength(2);

    // t1: new commits on main (a new secret, the stripe key moved), a new branch from an old commit, a new branch
    // that brings a.js back unchanged (same blob at the same path as c1), merged into main, and an annotated tag
    write(dir, 'c.txt', `hook ${TOKENS.xoxb}\n`);
    commit(dir, 'c4: slack');
    write(dir, 'b.py', `import os\n\n# key\nstripe.api_key = "${TOKENS.skLive}"\n`);
    commit(dir, 'c5: move the key');
    git(dir, ['checkout', '-q', '-b', 'hotfix', c2]); // from an old commit that still has a.js
    write(dir, 'h.txt', 'hotfix\n');
    commit(dir, 'h1');
    git(dir, ['checkout', '-q', '-b', 'feature', c3]);
    write(dir, 'a.js', `const t = "${TOKENS.ghp}";\n`);
    commit(dir, 'f1: restore a.js');
    write(dir, 'f.txt', 'feature work\n');
    commit(dir, 'f2');
    git(dir, ['checkout', '-q', 'main']);
    git(dir, ['merge', '-q', '--no-ff', '-m', 'merge feature', 'feature']);
    git(dir, ['tag', '-a', 'v1', '-m', 'release 1']);
    git(dir, ['checkout', '-q', '-b', 'topic']);
    write(dir, 'topic.txt', 'topic\n');
    commit(dir, 't1');
    git(dir, ['checkout', '-q', 'main']);

    // audit --baseline: incremental and full agree on failing (the slack token is new)
    const ai = lh(dir, ['audit', '--baseline', b0]);
    expect(ai.stderr).toContain('incremental audit');
    const af = lh(dir, ['audit', '--baseline', b0, '--full']);
    expect(ai.code, show(ai)).toBe(1);
    expect(af.code, show(af)).toBe(1);
    expect(failingCount(ai.stdout)).toBe(1);
    expect(failingCount(af.stdout)).toBe(1);

    const r1 = updateBoth(repo, b0, 't1');
    expect(r1.incOut).toContain('incremental audit');
    const inc1 = readFileSync(r1.inc, 'utf8');
    expect(inc1).toBe(readFileSync(r1.full, 'utf8'));
    expect(inc1).not.toBe(readFileSync(b0, 'utf8'));
    const e1 = readJson<BaselineJson>(r1.inc).entries;
    expect(Object.keys(e1)).toHaveLength(3);
    const gh = Object.values(e1).find((e) => e.ruleId.startsWith('github'))!;
    expect(gh.status).toBe('present'); // back at feature and main
    expect(gh.atTips).toEqual(expect.arrayContaining(['refs/heads/feature', 'refs/heads/hotfix', 'refs/heads/old', 'refs/heads/main']));

    // unchanged repository: an incremental update is a no-op (byte-identical)
    const again = lh(dir, ['baseline', 'update', '--baseline', r1.inc]);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toContain('unchanged');
    expect(readFileSync(r1.inc, 'utf8')).toBe(inc1);

    // t2: feature deletes a.js again (only on feature), topic is force-pushed (its old tip is gone)
    git(dir, ['checkout', '-q', 'feature']);
    git(dir, ['rm', '-q', 'a.js']);
    git(dir, ['commit', '-q', '-m', 'f3: drop a.js again']);
    git(dir, ['checkout', '-q', 'main']);
    const r2 = updateBoth(repo, r1.inc, 't2');
    expect(r2.incOut).toContain('incremental audit');
    expect(readFileSync(r2.inc, 'utf8')).toBe(readFileSync(r2.full, 'utf8'));

    git(dir, ['checkout', '-q', 'topic']);
    git(dir, ['reset', '-q', '--hard', 'main']);
    write(dir, 'topic.txt', `rewritten\nSTRIPE=${TOKENS.skLive}\n`);
    commit(dir, 't1 rewritten');
    git(dir, ['checkout', '-q', 'main']);
    const r3 = updateBoth(repo, r2.inc, 't3');
    expect(r3.incOut).toMatch(/full audit: the tip [0-9a-f]{12} recorded for refs\/heads\/topic is no longer reachable/);
    expect(readFileSync(r3.inc, 'utf8')).toBe(readFileSync(r3.full, 'utf8'));
    const ai3 = lh(dir, ['audit', '--baseline', r2.inc]);
    expect(ai3.stderr).toContain('full audit');
    expect(ai3.code, show(ai3)).toBe(0); // nothing new: the stripe key is known
  }, SLOW);
});
