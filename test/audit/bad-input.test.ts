// Bad input: one clear line and exit 2 where nothing can be audited; where something can (a shallow clone, missing
// or corrupt objects), scan the rest, say what is wrong and where, and exit non-zero with a summary.
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, commitAll, git, initRepo, tempDir, write } from '../git/fixtures.js';
import { TOKENS } from '../helpers/rules.js';
import { audit, bySecret, cli } from './helpers.js';

afterAll(cleanup);

const lines = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');

function small(): string {
  const dir = initRepo(join(tempDir('lh-audit-bad-'), 'r'));
  write(dir, 'a.txt', `first ${TOKENS.ghp}\n`);
  commitAll(dir, 'one');
  write(dir, 'b.txt', 'plain\n');
  commitAll(dir, 'two');
  write(dir, 'c.txt', `third ${TOKENS.akia}\n`);
  commitAll(dir, 'three');
  write(dir, 'd.txt', 'plain again\n');
  commitAll(dir, 'four');
  return dir;
}

describe('nothing to audit: one line, exit 2', () => {
  it('not a git repository', () => {
    const r = cli([tempDir('lh-audit-bad-')]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/not a git repository/);
    expect(r.stdout).toBe('');
  });

  it('an empty repository', () => {
    const r = cli([initRepo(join(tempDir('lh-audit-bad-'), 'empty'))]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/no commits/);
  });

  it('a ref that does not resolve', () => {
    const dir = small();
    for (const args of [['--ref', 'no-such-branch'], ['--range', 'nope..main'], ['--since-commit', 'deadbeef00']]) {
      const r = cli([dir, ...args]);
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/cannot resolve/);
    }
  });
});

describe('a shallow clone', () => {
  it('is scanned, with a warning that history is truncated and how to deepen it', async () => {
    const src = small();
    const dir = join(tempDir('lh-audit-bad-'), 'shallow');
    git(src, ['clone', '-q', '--depth', '2', `file://${src}`, dir]);
    const res = await audit(dir);
    expect(res.shallow).toBe(true);
    expect(res.stats.commits).toBe(2);
    // Both secrets are in the boundary commit's tree: it is the oldest commit we have, so it introduces them.
    const boundary = git(dir, ['rev-parse', 'HEAD~1']).trim();
    expect(bySecret(res.findings, TOKENS.ghp)?.introducedIn.map((c) => c.commit)).toEqual([boundary]);
    const r = cli([dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/shallow/);
    expect(r.stderr).toMatch(/git fetch --unshallow/);
  });
});

describe('missing or corrupt objects', () => {
  it('a corrupt loose blob: named with the commit and path that reference it; the rest is scanned; exit 2', () => {
    const dir = small();
    const oid = git(dir, ['rev-parse', 'HEAD:b.txt']).trim();
    const introducing = git(dir, ['rev-parse', 'HEAD~2']).trim();
    const p = join(dir, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
    writeFileSync(p, Buffer.concat([readFileSync(p).subarray(0, 8), Buffer.from('garbage')]));
    const r = cli([dir, '--format', 'json']);
    expect(r.code).toBe(2);
    const json = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string }> };
    expect(json.findings.length).toBe(2);
    const err = lines(r.stderr).filter((l) => l.includes('error'));
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(oid);
    expect(err[0]).toContain('b.txt');
    expect(err[0]).toContain(introducing);
    expect(r.stderr).toMatch(/1 missing or corrupt object\(s\); the rest of history was scanned/);
  });

  it('a truncated pack: every unreadable object reported, the readable part scanned, exit 2', () => {
    const dir = small();
    // Make the pack big enough that truncation cuts through the middle of history.
    for (let i = 0; i < 20; i++) {
      write(dir, `gen/${i}.txt`, `${'filler line\n'.repeat(200)}${i}\n`);
      commitAll(dir, `gen ${i}`);
    }
    git(dir, ['gc', '-q', '--prune=now']);
    const packDir = join(dir, '.git', 'objects', 'pack');
    const pack = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.pack')) ?? '');
    truncateSync(pack, Math.floor(statSync(pack).size * 0.7));
    const r = cli([dir, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(r.stderr).toMatch(/missing or corrupt object\(s\); the rest of history was scanned/);
    const errs = lines(r.stderr).filter((l) => l.startsWith('leakhound: error:'));
    expect(errs.length).toBeGreaterThan(0);
    for (const e of errs.slice(0, 5)) expect(e).toMatch(/[0-9a-f]{40}/);
  });
});
