// `leakhound protect` as the real pre-commit hook: repositories in temp dirs, `leakhound hook install`, and commits
// made with the git CLI (plain, -a, with a pathspec, merges, renames), so GIT_INDEX_FILE is whatever git sets.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBaseline, merge, save } from '../../src/baseline/index.js';
import { runProtect } from '../../src/pipeline/protect.js';
import { loadRules } from '../../src/rules/load.js';
import { runCli } from '../helpers/cli.js';
import { TOKENS } from '../helpers/rules.js';

const tmp = mkdtempSync(join(tmpdir(), 'lh-hook-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ENV = {
  ...process.env,
  HOME: tmp,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
  NO_COLOR: '1',
};
for (const k of Object.keys(ENV)) if (k.startsWith('GIT_') && !k.startsWith('GIT_AUTHOR') && !k.startsWith('GIT_COMMITTER') && k !== 'GIT_CONFIG_NOSYSTEM') delete (ENV as Record<string, string | undefined>)[k];

function git(cwd: string, ...args: string[]): { code: number; out: string } {
  const r = spawnSync('git', args, { cwd, env: ENV, encoding: 'utf8' });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

let n = 0;
function repo(): string {
  const dir = join(tmp, `r${n++}`);
  mkdirSync(dir);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env: ENV });
  const r = runCli(['hook', 'install'], { cwd: dir, env: { HOME: tmp } });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}
const head = (dir: string): string => git(dir, 'rev-parse', '--verify', '-q', 'HEAD').out.trim();
const secretLine = `token = "${TOKENS.ghp}"\n`;

describe('pre-commit hook through git commit', () => {
  it('blocks a staged secret on the first commit, with file:line and what to do', () => {
    const dir = repo();
    writeFileSync(join(dir, 'app.py'), `import os\n${secretLine}`);
    git(dir, 'add', 'app.py');
    const c = git(dir, 'commit', '-m', 'add app');
    expect(c.code).not.toBe(0);
    expect(c.out).toContain('app.py:2:10');
    expect(c.out).toContain('leakhound:allow');
    expect(c.out).toContain('rotate');
    expect(c.out).not.toContain(TOKENS.ghp);
    expect(head(dir)).toBe('');
  });

  it('lets a clean commit through', () => {
    const dir = repo();
    writeFileSync(join(dir, 'README.md'), '# hello\n');
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '-m', 'readme').code).toBe(0);
    writeFileSync(join(dir, 'README.md'), '# hello\nmore text, token = os.environ["TOKEN"]\n');
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '-m', 'more').code).toBe(0);
  });

  it('runs Node without NODE_EXTRA_CA_CERTS (the hook never uses the network; loading the bundle costs start-up)', () => {
    const dir = repo();
    writeFileSync(join(dir, 'README.md'), '# hello\n');
    git(dir, 'add', '.');
    // Node warns on stderr when it loads an extra CA file it cannot read: with the variable cleared, it does not try.
    const r = spawnSync('git', ['commit', '-m', 'readme'], { cwd: dir, env: { ...ENV, NODE_EXTRA_CA_CERTS: join(tmp, 'no-such-ca.pem') }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('extra certs');
    const direct = spawnSync(process.execPath, ['-e', '0'], { env: { ...ENV, NODE_EXTRA_CA_CERTS: join(tmp, 'no-such-ca.pem') }, encoding: 'utf8' });
    expect(direct.stderr).toContain('extra certs');
  });

  it('blocks `git commit -a` and `git commit <path>` (GIT_INDEX_FILE is not .git/index there)', () => {
    const dir = repo();
    writeFileSync(join(dir, 'config.py'), 'DEBUG = True\n');
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '-m', 'init').code).toBe(0);
    writeFileSync(join(dir, 'config.py'), `DEBUG = True\n${secretLine}`);
    const a = git(dir, 'commit', '-a', '-m', 'with -a');
    expect(a.code).not.toBe(0);
    expect(a.out).toContain('config.py:2');
    const p = git(dir, 'commit', '-m', 'with a path', 'config.py');
    expect(p.code).not.toBe(0);
    expect(p.out).toContain('config.py:2');
    expect(git(dir, 'log', '--oneline').out.trim().split('\n')).toHaveLength(1);
  });

  it('does not block removing a secret, editing around a committed one, or renaming its file', () => {
    const dir = repo();
    writeFileSync(join(dir, 'old.py'), `x = 1\n${secretLine}`);
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '--no-verify', '-m', 'leak (bypassed)').code).toBe(0);
    writeFileSync(join(dir, 'old.py'), `x = 2\n${secretLine}`);
    expect(git(dir, 'commit', '-a', '-m', 'edit around it').code).toBe(0);
    git(dir, 'mv', 'old.py', 'new.py');
    writeFileSync(join(dir, 'new.py'), `x = 3\n${secretLine}y = 4\n`);
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '-m', 'rename').code).toBe(0);
    writeFileSync(join(dir, 'new.py'), 'x = 3\ny = 4\n');
    expect(git(dir, 'commit', '-a', '-m', 'remove it').code).toBe(0);
    git(dir, 'rm', '-q', 'new.py');
    const del = git(dir, 'commit', '-m', 'delete file');
    expect(del.code, del.out).toBe(0);
  });

  it('skips binary files and does not count a secret the merged branch already committed', () => {
    const dir = repo();
    writeFileSync(join(dir, 'shared.txt'), 'base\n');
    writeFileSync(join(dir, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(secretLine)]));
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '-m', 'base').code).toBe(0);
    git(dir, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(dir, 'feature.py'), secretLine);
    writeFileSync(join(dir, 'shared.txt'), 'feature\n');
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '--no-verify', '-m', 'feature with a leak').code).toBe(0);
    git(dir, 'checkout', '-q', 'main');
    writeFileSync(join(dir, 'shared.txt'), 'main\n');
    expect(git(dir, 'commit', '-a', '-m', 'main side').code).toBe(0);
    expect(git(dir, 'merge', 'feature').code).not.toBe(0); // conflict in shared.txt
    expect(existsSync(join(dir, '.git', 'MERGE_HEAD'))).toBe(true);
    writeFileSync(join(dir, 'shared.txt'), 'both\n');
    git(dir, 'add', 'shared.txt');
    const m = git(dir, 'commit', '--no-edit');
    expect(m.code, m.out).toBe(0);
    // A new secret in the merge resolution itself is still caught.
    git(dir, 'checkout', '-q', '-b', 'other', 'HEAD~1');
    writeFileSync(join(dir, 'shared.txt'), 'other\n');
    expect(git(dir, 'commit', '-a', '-m', 'other').code).toBe(0);
    git(dir, 'checkout', '-q', 'main');
    expect(git(dir, 'merge', 'other').code).not.toBe(0);
    writeFileSync(join(dir, 'shared.txt'), `resolved\n${secretLine}`);
    git(dir, 'add', 'shared.txt');
    const bad = git(dir, 'commit', '--no-edit');
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('shared.txt:2');
  });

  it('does not block a secret the baseline knows', () => {
    const dir = repo();
    writeFileSync(join(dir, 'fixture.py'), secretLine);
    const loaded = loadRules({ root: dir });
    const res = runProtect(loaded, { cwd: dir, env: {}, files: ['fixture.py'], inlineAllow: true, exclude: [] });
    expect(res.findings).toHaveLength(1);
    const b = merge(createBaseline(), res.findings, { now: new Date(), scope: 'partial' }).baseline;
    save(join(dir, '.leakhound-baseline.json'), b);
    git(dir, 'add', '.');
    const c = git(dir, 'commit', '-m', 'known fixture');
    expect(c.code, c.out).toBe(0);
    // ...but another secret in the same commit would be blocked.
    writeFileSync(join(dir, 'other.py'), `key = "${TOKENS.skLive}"\n`);
    git(dir, 'add', '.');
    expect(git(dir, 'commit', '-m', 'new one').code).not.toBe(0);
  });
});

describe('protect with file names and hook install', () => {
  it('scans the named files (pre-commit framework / lint-staged mode)', () => {
    const dir = repo();
    writeFileSync(join(dir, 'a.env'), `GITHUB_TOKEN=${TOKENS.ghp}\n`);
    writeFileSync(join(dir, 'b.txt'), 'nothing\n');
    const r = runCli(['protect', 'a.env', 'b.txt'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('a.env:1');
    expect(runCli(['protect', 'b.txt'], { cwd: dir }).code).toBe(0);
    // An inline allow comment suppresses it.
    writeFileSync(join(dir, 'a.env'), `GITHUB_TOKEN=${TOKENS.ghp} # leakhound:allow\n`);
    expect(runCli(['protect', 'a.env'], { cwd: dir }).code).toBe(0);
  });

  it('refuses to clobber a foreign hook, appends on request, honours core.hooksPath and husky', () => {
    const dir = join(tmp, 'hooks');
    mkdirSync(dir);
    git(dir, 'init', '-q');
    const hookFile = join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hookFile, '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const refused = runCli(['hook', 'install'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--append');
    expect(runCli(['hook', 'install', '--append'], { cwd: dir }).code).toBe(0);
    const text = readFileSync(hookFile, 'utf8');
    expect(text.startsWith('#!/bin/sh\necho mine\n')).toBe(true);
    expect(text).toContain('protect');
    git(dir, 'config', 'core.hooksPath', 'my-hooks');
    expect(runCli(['hook', 'install'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, 'my-hooks', 'pre-commit'), 'utf8')).toContain('leakhound pre-commit hook');
    git(dir, 'config', 'core.hooksPath', '.husky/_');
    mkdirSync(join(dir, '.husky'));
    writeFileSync(join(dir, '.husky', 'pre-commit'), 'npm test\n');
    expect(runCli(['hook', 'install'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, '.husky', 'pre-commit'), 'utf8')).toBe('npm test\nNODE_EXTRA_CA_CERTS= leakhound protect\n');
    expect(runCli(['hook', 'install'], { cwd: dir }).stdout).toContain('already');
  });
});
