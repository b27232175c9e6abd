// The baseline file under stress from the CLI: refused overwrites, corrupt / foreign / locked files (exit 2, bytes
// untouched), a git merge of two branches' baselines through the merge driver, imports, prune.
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { type BaselineJson, FILE, type Repo, TOKENS, commit, git, lh, newRepo, readJson, show, write } from './helpers.js';

const SLOW = 240_000;

describe('baseline file safety (CLI)', () => {
  let repo: Repo | undefined;
  afterEach(() => repo?.cleanup());

  it('create refuses to replace a baseline; corrupt, foreign and locked files exit 2 and are never touched', () => {
    repo = newRepo();
    const { dir } = repo;
    write(dir, 'a.js', `const t = "${TOKENS.ghp}";\n`);
    commit(dir, 'a');
    expect(lh(dir, ['baseline', 'create']).code).toBe(0);
    const path = join(dir, FILE);
    const good = readFileSync(path);
    const again = lh(dir, ['baseline', 'create']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(path).equals(good)).toBe(true);
    const key = Object.keys(readJson<BaselineJson>(path).entries)[0]!;

    const bad: Array<[string, string, RegExp]> = [
      ['truncated', good.toString('utf8').slice(0, 200), /line \d+|corrupt|JSON/i],
      ['foreign', JSON.stringify({ version: '1.5.0', plugins_used: [], results: {}, generated_at: '2024-01-01T00:00:00Z' }), /detect-secrets/i],
    ];
    for (const [what, text, msg] of bad) {
      writeFileSync(path, text);
      for (const args of [
        ['baseline', 'update'],
        ['baseline', 'accept', key, '--reason', 'x'],
        ['baseline', 'status'],
        ['baseline', 'create', '--force'],
        ['audit'],
      ]) {
        const r = lh(dir, args);
        expect(r.code, `${what}: ${args.join(' ')}\n${show(r)}`).toBe(2);
        expect(r.stderr, what).toMatch(msg);
        expect(readFileSync(path, 'utf8'), `${what}: ${args.join(' ')} touched the file`).toBe(text);
      }
    }

    // a live writer holds the lock (this test process): exit 2, nothing written
    writeFileSync(path, good);
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() }) + '\n');
    for (const args of [['baseline', 'accept', key, '--reason', 'x'], ['baseline', 'update']]) {
      const r = lh(dir, args);
      expect(r.code, show(r)).toBe(2);
      expect(r.stderr).toContain('locked');
    }
    expect(readFileSync(path).equals(good)).toBe(true);
    // unknown key: exit 2
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 999_999_999, host: hostname(), at: new Date().toISOString() }) + '\n'); // dead pid: taken over
    const unknown = lh(dir, ['baseline', 'accept', 'nosuch.rule:0000', '--reason', 'x']);
    expect(unknown.code, show(unknown)).toBe(2);
    expect(lh(dir, ['baseline', 'accept', key, '--reason', 'x']).code).toBe(0);
    expect(lh(dir, ['baseline', 'accept', key])).toMatchObject({ code: 2 }); // --reason is required
  }, SLOW);

  it('two branches that each update the committed baseline merge through the merge driver', () => {
    repo = newRepo();
    const { dir } = repo;
    write(dir, 'README', 'project\n');
    commit(dir, 'init');
    expect(lh(dir, ['baseline', 'create']).code).toBe(0);
    write(dir, '.gitattributes', `${FILE} merge=leakhound\n`);
    git(dir, ['config', 'merge.leakhound.driver', `"${process.execPath}" "${BIN}" baseline merge-driver %O %A %B`]);
    commit(dir, 'baseline');

    git(dir, ['checkout', '-q', '-b', 'a']);
    write(dir, 'a.js', `const t = "${TOKENS.ghp}";\n`);
    commit(dir, 'a: token');
    expect(lh(dir, ['baseline', 'update']).code).toBe(0);
    const ka = Object.keys(readJson<BaselineJson>(join(dir, FILE)).entries)[0]!;
    expect(lh(dir, ['baseline', 'accept', ka, '--reason', 'fixture']).code).toBe(0);
    commit(dir, 'a: baseline');

    git(dir, ['checkout', '-q', '-b', 'b', 'main']);
    write(dir, 'b.py', `key = "${TOKENS.skLive}"\n`);
    commit(dir, 'b: key');
    expect(lh(dir, ['baseline', 'update']).code).toBe(0);
    commit(dir, 'b: baseline');

    git(dir, ['checkout', '-q', 'a']);
    git(dir, ['merge', '-q', '--no-edit', 'b']); // throws on a conflict
    const merged = readJson<BaselineJson>(join(dir, FILE));
    expect(Object.values(merged.entries).map((e) => e.ruleId.split('.')[0]).sort()).toEqual(['github', 'stripe']);
    expect(merged.entries[ka]!.triage).toMatchObject({ state: 'accepted', reason: 'fixture' });
    expect(readFileSync(join(dir, FILE), 'utf8')).not.toContain('<<<<<<<');
    const st = lh(dir, ['baseline', 'status']);
    expect(st.code, show(st)).toBe(0);
    const audit = lh(dir, ['audit']);
    expect(audit.code, show(audit)).toBe(0); // both known after the merge
  }, SLOW);

  it('import keeps gitleaks / detect-secrets decisions and lists what did not match; prune drops what history lost', () => {
    repo = newRepo();
    const { dir, scratch } = repo;
    write(dir, 'a.js', `const t = "${TOKENS.ghp}";\n`);
    write(dir, 'b.py', `key = "${TOKENS.skLive}"\n`);
    commit(dir, 'a and b');
    const ignore = join(scratch, '.gitleaksignore');
    writeFileSync(ignore, '# test fixture, never deployed\na.js:github-pat:1\nnowhere.txt:generic-api-key:3\n');
    const r = lh(dir, ['baseline', 'import', ignore]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('1 decision(s) applied');
    expect(r.stdout).toMatch(/unmatched[^\n]*\n {2}[^\n]*\.gitleaksignore:3 \[generic-api-key\] nowhere\.txt:3/);
    const b = readJson<BaselineJson>(join(dir, FILE));
    const gh = Object.entries(b.entries).find(([, e]) => e.ruleId.startsWith('github'))!;
    expect(gh[1].triage).toMatchObject({ state: 'accepted', reason: 'test fixture, never deployed' });

    // history rewrite: the stripe key leaves history entirely
    git(dir, ['rm', '-q', 'b.py']);
    git(dir, ['commit', '-q', '--amend', '-m', 'only a']);
    git(dir, ['reflog', 'expire', '--expire=now', '--all']);
    git(dir, ['gc', '-q', '--prune=now']);
    const dry = lh(dir, ['baseline', 'prune', '--dry-run']);
    expect(dry.code, show(dry)).toBe(0);
    expect(dry.stdout).toMatch(/would drop 1 entry[^\n]*\n {2}stripe\./);
    expect(Object.keys(readJson<BaselineJson>(join(dir, FILE)).entries)).toHaveLength(2);
    const pr = lh(dir, ['baseline', 'prune']);
    expect(pr.code, show(pr)).toBe(0);
    expect(pr.stdout).toMatch(/dropped 1 entry/);
    expect(Object.keys(readJson<BaselineJson>(join(dir, FILE)).entries)).toEqual([gh[0]]);
  }, SLOW);
});
