// History attribution of `leakhound audit`: where each secret came in, where it went out, which tips still hold it,
// on small repositories built with the git CLI for each situation (issue 4, "Tests").
import { join } from 'node:path';
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, commitAll, git, initRepo, tempDir, write } from '../git/fixtures.js';
import { TOKENS } from '../helpers/rules.js';
import { audit, bySecret, cli, cliJson, commitsOf } from './helpers.js';

afterAll(cleanup);

const head = (d: string, rev = 'HEAD'): string => git(d, ['rev-parse', rev]).trim();

describe('secret added then deleted', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'README.md', '# app\n');
  commitAll(dir, 'initial');
  write(dir, 'config.env', `GITHUB_TOKEN=${TOKENS.ghp}\n`);
  commitAll(dir, 'add config');
  const added = head(dir);
  write(dir, 'README.md', '# app\nmore\n');
  commitAll(dir, 'unrelated');
  rmSync(join(dir, 'config.env'));
  commitAll(dir, 'remove config');
  const removed = head(dir);

  it('is history-only, introduced and removed by the right commits', async () => {
    const res = await audit(dir);
    expect(res.errors).toEqual([]);
    const f = bySecret(res.findings, TOKENS.ghp);
    expect(f).toBeDefined();
    expect(f?.status).toBe('history-only');
    expect(commitsOf(f?.introducedIn ?? [])).toEqual([added]);
    expect(commitsOf(f?.removedIn ?? [])).toEqual([removed]);
    expect(f?.atTips).toEqual([]);
    expect(f?.introducedIn[0]).toMatchObject({ author: 'Ada Lovelace', email: 'ada@example.com', subject: 'add config' });
    expect(f?.occurrences).toHaveLength(1);
    expect(f?.occurrences[0]).toMatchObject({ path: 'config.env', line: 1, column: 14, commit: added, introduced: true });
  });

  it('the CLI exits 1 and says so in json and jsonl', () => {
    const { r, json } = cliJson([dir]);
    expect(r.code).toBe(1);
    const f = json.findings.find((x) => x.ruleId.startsWith('github'));
    expect(f?.status).toBe('history-only');
    expect(commitsOf(f?.introducedIn ?? [])).toEqual([added]);
    expect(commitsOf(f?.removedIn ?? [])).toEqual([removed]);
    expect(JSON.stringify(json)).not.toContain(TOKENS.ghp);
    const l = cli([dir, '--format', 'jsonl']);
    expect(l.code).toBe(1);
    const rows = l.stdout.trim().split('\n').map((x) => JSON.parse(x) as Record<string, unknown>);
    const gh = rows.filter((x) => String(x['ruleId']).startsWith('github'));
    expect(gh).toHaveLength(1);
    expect(gh[0]).toMatchObject({ commit: added, path: 'config.env', line: 1, introduced: true, status: 'history-only' });
    expect(gh[0]?.['secret']).toBeUndefined();
    const nr = cli([dir, '--format', 'jsonl', '--no-redact']);
    expect(nr.stdout).toContain(TOKENS.ghp);
  });
});

describe('file renamed', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'a/settings.py', `X = 1\nAWS_KEY = "${TOKENS.akia}"\n`);
  commitAll(dir, 'add settings');
  const added = head(dir);
  mkdirSync(join(dir, 'b'));
  git(dir, ['mv', 'a/settings.py', 'b/settings.py']);
  commitAll(dir, 'move settings');
  const moved = head(dir);

  it('is one finding introduced once; the rename is an occurrence that did not introduce it', async () => {
    const res = await audit(dir);
    const fs = res.findings.filter((f) => f.secret === TOKENS.akia);
    expect(fs).toHaveLength(1);
    const f = fs[0]!;
    expect(commitsOf(f.introducedIn)).toEqual([added]);
    expect(f.removedIn).toEqual([]);
    expect(f.status).toBe('present');
    expect(f.occurrences.map((o) => [o.path, o.commit, o.introduced, o.line])).toEqual([
      ['a/settings.py', added, true, 2],
      ['b/settings.py', moved, false, 2],
    ]);
  });
});

describe('secret only on an unmerged branch', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'app.js', 'console.log(1)\n');
  commitAll(dir, 'initial');
  git(dir, ['checkout', '-q', '-b', 'feature']);
  write(dir, 'app.js', `console.log(1)\nconst slack = '${TOKENS.xoxb}'\n`);
  commitAll(dir, 'wip');
  const wip = head(dir);
  git(dir, ['checkout', '-q', 'main']);

  it('is present, and only that branch is listed at its tip', async () => {
    const res = await audit(dir);
    const f = bySecret(res.findings, TOKENS.xoxb);
    expect(f?.status).toBe('present');
    expect(f?.atTips).toEqual(['refs/heads/feature']);
    expect(commitsOf(f?.introducedIn ?? [])).toEqual([wip]);
  });

  it('--ref main does not see it; --ref feature does', async () => {
    expect(bySecret((await audit(dir, { refs: ['main'] })).findings, TOKENS.xoxb)).toBeUndefined();
    const f = bySecret((await audit(dir, { refs: ['feature'] })).findings, TOKENS.xoxb);
    expect(f?.atTips).toEqual(['feature']);
  });
});

describe('secret only in tags', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'a.txt', 'a\n');
  commitAll(dir, 'initial');
  // A commit only a lightweight tag reaches, one only an annotated tag reaches, and a blob an annotated tag points at.
  git(dir, ['checkout', '-q', '-b', 'tmp']);
  write(dir, 'light.txt', `token ${TOKENS.ghp}\n`);
  commitAll(dir, 'light');
  const light = head(dir);
  git(dir, ['tag', 'v-light']);
  git(dir, ['reset', '-q', '--hard', 'main']);
  write(dir, 'ann.txt', `stripe ${TOKENS.skLive}\n`);
  commitAll(dir, 'annotated');
  const ann = head(dir);
  git(dir, ['tag', '-a', 'v-ann', '-m', 'release']);
  git(dir, ['checkout', '-q', 'main']);
  git(dir, ['branch', '-q', '-D', 'tmp']);
  const blob = git(dir, ['hash-object', '-w', '--stdin'], `key ${TOKENS.akia}\n`).trim();
  git(dir, ['tag', '-a', 'blob-tag', blob, '-m', 'a blob']);

  it('lightweight and annotated tags count as tips', async () => {
    const res = await audit(dir);
    const l = bySecret(res.findings, TOKENS.ghp);
    expect(l?.status).toBe('present');
    expect(l?.atTips).toEqual(['refs/tags/v-light']);
    expect(commitsOf(l?.introducedIn ?? [])).toEqual([light]);
    const a = bySecret(res.findings, TOKENS.skLive);
    expect(a?.status).toBe('present');
    expect(a?.atTips).toEqual(['refs/tags/v-ann']);
    expect(commitsOf(a?.introducedIn ?? [])).toEqual([ann]);
  });

  it('a blob that only a tag points at is found and is present at that tag', async () => {
    const res = await audit(dir);
    const b = bySecret(res.findings, TOKENS.akia);
    expect(b).toBeDefined();
    expect(b?.occurrences[0]?.blob).toBe(blob);
    expect(b?.status).toBe('present');
    expect(b?.atTips).toEqual(['refs/tags/blob-tag']);
  });
});

describe("a merge commit's conflict resolution", () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'conf.ini', 'key=base\n');
  commitAll(dir, 'base');
  git(dir, ['checkout', '-q', '-b', 'other']);
  write(dir, 'conf.ini', 'key=other\n');
  commitAll(dir, 'other side');
  git(dir, ['checkout', '-q', 'main']);
  write(dir, 'conf.ini', 'key=main\n');
  commitAll(dir, 'main side');
  expect(() => git(dir, ['merge', '-q', 'other', '-m', 'merge'])).toThrow();
  write(dir, 'conf.ini', `key=${TOKENS.ghp}\n`);
  git(dir, ['add', 'conf.ini']);
  git(dir, ['commit', '-q', '-m', 'merge other (resolved)']);
  const merge = head(dir);

  it('the merge introduces the secret that neither parent had', async () => {
    const res = await audit(dir);
    const f = bySecret(res.findings, TOKENS.ghp);
    expect(commitsOf(f?.introducedIn ?? [])).toEqual([merge]);
    expect(f?.occurrences).toHaveLength(1);
    expect(f?.occurrences[0]).toMatchObject({ path: 'conf.ini', commit: merge, introduced: true, column: 5 });
    expect(f?.status).toBe('present');
  });

  it('a clean merge of a branch that added a secret does not introduce it again', async () => {
    const d2 = initRepo(join(tempDir('lh-audit-'), 'r2'));
    write(d2, 'a.txt', 'a\n');
    commitAll(d2, 'base');
    git(d2, ['checkout', '-q', '-b', 'f']);
    write(d2, 'secret.txt', `${TOKENS.akia}\n`);
    commitAll(d2, 'f adds');
    const fAdds = head(d2);
    git(d2, ['checkout', '-q', 'main']);
    write(d2, 'b.txt', 'b\n');
    commitAll(d2, 'main moves on');
    git(d2, ['merge', '-q', '--no-ff', 'f', '-m', 'merge f']);
    const res = await audit(d2);
    const f = bySecret(res.findings, TOKENS.akia);
    expect(commitsOf(f?.introducedIn ?? [])).toEqual([fAdds]);
    expect(f?.occurrences.map((o) => o.commit)).toEqual([fAdds]);
    expect(f?.atTips.sort()).toEqual(['HEAD', 'refs/heads/f', 'refs/heads/main']);
  });
});

describe('an amended-away commit', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'a.txt', 'a\n');
  commitAll(dir, 'initial');
  write(dir, '.env', `AWS=${TOKENS.akia}\n`);
  commitAll(dir, 'oops');
  const away = head(dir);
  rmSync(join(dir, '.env'));
  write(dir, 'b.txt', 'b\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '--amend', '-m', 'fixed']);
  git(dir, ['reflog', 'expire', '--expire=now', '--all']);

  it('is not found without --unreachable', async () => {
    expect(bySecret((await audit(dir)).findings, TOKENS.akia)).toBeUndefined();
  });

  it('is found with --unreachable, status unreachable, introduced by the dangling commit', async () => {
    const res = await audit(dir, { unreachable: true });
    const f = bySecret(res.findings, TOKENS.akia);
    expect(f?.status).toBe('unreachable');
    expect(commitsOf(f?.introducedIn ?? [])).toEqual([away]);
    expect(f?.occurrences[0]).toMatchObject({ path: '.env', commit: away });
    expect(res.stats.unreachableCommits).toBe(1);
    const { r, json } = cliJson([dir, '--unreachable']);
    expect(r.code).toBe(1);
    expect(json.findings.map((x) => x.status)).toEqual(['unreachable']);
  });
});

describe('messages', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'a.txt', 'a\n');
  commitAll(dir, `deploy\n\nused token ${TOKENS.ghp} for the deploy`);
  const c = head(dir);
  git(dir, ['tag', '-a', 'v1', '-m', `release\n\nslack ${TOKENS.xoxb}`]);

  it('finds a secret in a commit message and one in a tag message', async () => {
    const res = await audit(dir);
    const cm = bySecret(res.findings, TOKENS.ghp);
    expect(cm?.occurrences).toEqual([expect.objectContaining({ path: '<commit message>', line: 3, column: 12, commit: c, introduced: true })]);
    expect(commitsOf(cm?.introducedIn ?? [])).toEqual([c]);
    const tm = bySecret(res.findings, TOKENS.xoxb);
    expect(tm?.occurrences).toEqual([expect.objectContaining({ path: '<tag message>', line: 3, column: 7 })]);
    expect(res.stats.messages).toBe(2);
  });

  it('--no-messages skips them', async () => {
    const res = await audit(dir, { messages: false });
    expect(res.findings).toEqual([]);
  });
});

describe('stash entries', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'a.txt', 'a\n');
  commitAll(dir, 'initial');
  write(dir, 'a.txt', `a\n${TOKENS.skLive}\n`);
  git(dir, ['stash', 'push', '-q', '-m', 'first']);
  write(dir, 'a.txt', 'a\nsecond\n');
  write(dir, 'untracked.txt', `${TOKENS.akia}\n`);
  git(dir, ['stash', 'push', '-q', '-u', '-m', 'second']);

  it('scans every stash entry, including untracked files, and stash@{1} counts as a tip', async () => {
    const res = await audit(dir);
    const s1 = bySecret(res.findings, TOKENS.skLive);
    expect(s1?.status).toBe('present');
    expect(s1?.atTips).toEqual(['refs/stash@{1}']);
    const s2 = bySecret(res.findings, TOKENS.akia);
    expect(s2?.occurrences[0]?.path).toBe('untracked.txt');
    expect(s2?.atTips).toEqual(['refs/stash']);
  });
});

describe('occurrences: one per (path, blob), with the commit that brought it in', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'keys.txt', `k=${TOKENS.ghp}\n`);
  commitAll(dir, 'add');
  const c1 = head(dir);
  for (let i = 0; i < 5; i++) {
    write(dir, 'other.txt', `${i}\n`);
    commitAll(dir, `other ${i}`);
  }
  write(dir, 'keys.txt', `# header\n\nk=${TOKENS.ghp}\n`);
  commitAll(dir, 'edit keys');
  const c2 = head(dir);
  write(dir, 'copy/keys.txt', `k=${TOKENS.ghp}\n`);
  commitAll(dir, 'copy the first version');
  const c3 = head(dir);

  it('later commits that merely keep it add no rows; a new blob or a new path does', async () => {
    const res = await audit(dir);
    const f = bySecret(res.findings, TOKENS.ghp);
    expect(f?.occurrences.map((o) => [o.path, o.commit, o.line, o.introduced])).toEqual([
      ['keys.txt', c1, 1, true],
      ['keys.txt', c2, 3, false],
      ['copy/keys.txt', c3, 1, false],
    ]);
    expect(commitsOf(f?.introducedIn ?? [])).toEqual([c1]);
  });
});

describe('--range A..B and --since-commit', () => {
  const dir = initRepo(join(tempDir('lh-audit-'), 'r'));
  write(dir, 'old.txt', `old=${TOKENS.ghp}\n`);
  commitAll(dir, 'old secret');
  const a = head(dir);
  write(dir, 'x.txt', 'x\n');
  commitAll(dir, 'x');
  write(dir, 'new.txt', `new=${TOKENS.akia}\n`);
  commitAll(dir, 'new secret');
  const introducing = head(dir);
  write(dir, 'old.txt', `old=${TOKENS.ghp}\nmore=1\n`);
  commitAll(dir, 'keep old secret, edit the file');
  const keeper = head(dir);
  rmSync(join(dir, 'new.txt'));
  commitAll(dir, 'drop new secret');
  const dropper = head(dir);

  it('only commits of the range are walked; a kept secret is not introduced there', async () => {
    const res = await audit(dir, { refs: ['main'], exclude: [a] });
    expect(res.stats.commits).toBe(4);
    const nw = bySecret(res.findings, TOKENS.akia);
    expect(commitsOf(nw?.introducedIn ?? [])).toEqual([introducing]);
    expect(commitsOf(nw?.removedIn ?? [])).toEqual([dropper]);
    const old = bySecret(res.findings, TOKENS.ghp);
    if (old) {
      expect(old.introducedIn).toEqual([]);
      expect(old.occurrences.every((o) => o.introduced === false)).toBe(true);
      expect(old.occurrences.map((o) => o.commit)).toEqual([keeper]);
    }
  });

  it('the CLI: --range and --since-commit give the same findings', () => {
    const r1 = cliJson([dir, '--range', `${a}..main`]);
    const r2 = cliJson([dir, '--since-commit', a]);
    expect(r1.r.code).toBe(1);
    // Same findings; only the tips differ (--since-commit covers every ref, --range only B).
    const noTips = (fs: typeof r1.json.findings): unknown[] => fs.map((f) => ({ ...f, atTips: [] }));
    expect(noTips(r1.json.findings)).toEqual(noTips(r2.json.findings));
    // Only what the range introduced is reported; the older secret it merely keeps is counted.
    expect(r1.json.findings.map((f) => f.ruleId.split('.')[0])).toEqual(['aws']);
    expect(r1.json.stats?.['older secrets kept in the range (not reported)']).toBe(1);
    expect(r1.json.stats?.['commits']).toBe(4);
  });

  it('a range that only keeps an older secret (edits its file) reports nothing and counts it', () => {
    const r = cliJson([dir, '--range', `${introducing}..main`]);
    expect(r.r.code).toBe(0);
    expect(r.json.findings).toEqual([]);
    expect(r.json.stats?.['older secrets kept in the range (not reported)']).toBe(1);
  });

  it('a range with nothing new is clean (exit 0)', () => {
    const r = cli([dir, '--range', `${dropper}..main`]);
    expect(r.code).toBe(0);
  });
});
