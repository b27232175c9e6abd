// `leakhound baseline` end to end on real repositories: the lifecycle of a known leak (issue 5's scenarios).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BaselineJson, FILE, type Repo, TOKENS, commit, git, lh, newRepo, readJson, show, write } from './helpers.js';

const SLOW = 240_000;

describe('baseline lifecycle (CLI)', () => {
  let repo: Repo | undefined;
  afterEach(() => repo?.cleanup());

  it('a deleted-but-committed secret stays known and history-only until rotated; a re-introduction after rotation fails', () => {
    repo = newRepo();
    const { dir } = repo;
    write(dir, 'config/app.js', `export const token = "${TOKENS.ghp}";\n`);
    commit(dir, 'add config');
    const created = lh(dir, ['baseline', 'create']);
    expect(created.code, show(created)).toBe(0);
    const key = Object.keys(readJson<BaselineJson>(join(dir, FILE)).entries)[0]!;
    expect(key).toMatch(/^github\.pat-classic:[0-9a-f]{16}$/);
    expect(created.stdout).toContain(key);
    git(dir, ['add', FILE]);
    git(dir, ['commit', '-q', '-m', 'baseline']);

    git(dir, ['rm', '-q', 'config/app.js']);
    git(dir, ['commit', '-q', '-m', 'remove the token']);

    // audit with the (default) baseline: incremental, the finding is listed as history-only, known, not failing
    const audit = lh(dir, ['audit']);
    expect(audit.code, show(audit)).toBe(0);
    expect(audit.stderr).toContain('incremental audit');
    expect(audit.stdout).toContain('status:      history-only');
    expect(audit.stdout).toContain(`fingerprint: ${key}`);
    expect(audit.stdout).toMatch(/known-open/);
    expect(audit.stdout).toContain('suppressed by baseline: 1 known-open');
    expect(audit.stdout).not.toContain(TOKENS.ghp);

    const upd = lh(dir, ['baseline', 'update']);
    expect(upd.code, show(upd)).toBe(0);
    const st = lh(dir, ['baseline', 'status']);
    expect(st.code, show(st)).toBe(0);
    expect(st.stdout).toMatch(/history-only, NOT rotated[^\n]*\(1\):\n {2}github\.pat-classic:[0-9a-f]{16} {2}history-only {2}open/);
    const sj = lh(dir, ['baseline', 'status', '--format', 'json']);
    const j = JSON.parse(sj.stdout) as { historyOnlyNotRotated: Array<{ key: string; status: string }>; byStatus: Record<string, number> };
    expect(j.historyOnlyNotRotated.map((e) => e.key)).toEqual([key]);
    expect(j.byStatus['history-only']).toBe(1);
    expect(lh(dir, ['baseline', 'status', '--check']).code).toBe(1); // untriaged

    // rotate it: no longer listed; the audit still passes
    const rot = lh(dir, ['baseline', 'mark-rotated', key.slice(0, 24)]);
    expect(rot.code, show(rot)).toBe(0);
    expect(rot.stdout).toContain('open -> rotated');
    const sj2 = JSON.parse(lh(dir, ['baseline', 'status', '--format', 'json']).stdout) as { historyOnlyNotRotated: unknown[] };
    expect(sj2.historyOnlyNotRotated).toEqual([]);
    expect(lh(dir, ['baseline', 'status', '--check']).code).toBe(0);
    expect(lh(dir, ['audit']).code).toBe(0);

    // someone puts the old token back after the rotation: a regression, fails
    write(dir, 'config/app.js', `export const token = "${TOKENS.ghp}";\n`);
    commit(dir, 'restore config', new Date(Date.now() + 3_600_000).toISOString());
    const again = lh(dir, ['audit']);
    expect(again.code, show(again)).toBe(1);
    expect(again.stdout).toContain('rotated-regression');
  }, SLOW);

  it('content identity: a different secret on the line of an accepted one is new; moving code changes no identity', () => {
    repo = newRepo();
    const { dir } = repo;
    write(dir, 'src/client.js', `const key = "${TOKENS.ghp}";\n`);
    commit(dir, 'client');
    expect(lh(dir, ['baseline', 'create']).code).toBe(0);
    const b0 = readJson<BaselineJson>(join(dir, FILE));
    const key = Object.keys(b0.entries)[0]!;
    const acc = lh(dir, ['baseline', 'accept', key, '--reason', 'test fixture, revoked token']);
    expect(acc.code, show(acc)).toBe(0);
    const b1 = readJson<BaselineJson>(join(dir, FILE));
    expect(b1.entries[key]!.triage).toMatchObject({ state: 'accepted', reason: 'test fixture, revoked token', by: 'alice@example.com' });

    // scan of the working tree: the accepted one is suppressed, and the report says so
    const scan = lh(dir, ['scan', '.']);
    expect(scan.code, show(scan)).toBe(0);
    expect(scan.stdout).toContain('suppressed by baseline: 1 accepted');

    // moving code: lines inserted above; identities (keys, hashes) and triage unchanged
    write(dir, 'src/client.js', `// header\n// more\n\nconst key = "${TOKENS.ghp}";\n`);
    commit(dir, 'move things around');
    const audit = lh(dir, ['audit']);
    expect(audit.code, show(audit)).toBe(0);
    expect(audit.stdout).toContain('accepted by alice@example.com: test fixture');
    expect(lh(dir, ['baseline', 'update']).code).toBe(0);
    const b2 = readJson<BaselineJson>(join(dir, FILE));
    expect(Object.keys(b2.entries)).toEqual([key]);
    expect(b2.entries[key]!.hash).toBe(b1.entries[key]!.hash);
    expect(b2.entries[key]!.triage).toEqual(b1.entries[key]!.triage);
    expect(b2.entries[key]!.occurrences.map((o) => o.line).sort()).toEqual([1, 4]); // metadata only

    // a new, different secret on the very line of the accepted one is reported
    write(dir, 'src/client.js', `// header\n// more\n\nconst key = "${TOKENS.skLive}";\n`);
    commit(dir, 'swap the key');
    const audit2 = lh(dir, ['audit']);
    expect(audit2.code, show(audit2)).toBe(1);
    expect(audit2.stdout).toMatch(/baseline: {4}new \(fails the run\)/);
    expect(audit2.stdout).toContain('1 new or failing');
    const scan2 = lh(dir, ['scan', '.']);
    expect(scan2.code, show(scan2)).toBe(1);
    expect(scan2.stdout).toContain('new (fails the run)');
  }, SLOW);

  it('an acceptance past its expiry fails again (audit, incremental audit, scan)', () => {
    repo = newRepo();
    const { dir } = repo;
    write(dir, 'deploy/hook.txt', `slack ${TOKENS.xoxb}\n`);
    commit(dir, 'hook');
    expect(lh(dir, ['baseline', 'create']).code).toBe(0);
    const key = Object.keys(readJson<BaselineJson>(join(dir, FILE)).entries)[0]!;
    const acc = lh(dir, ['baseline', 'accept', key, '--reason', 'until the migration', '--expires', '2001-02-03', '--by', 'bob']);
    expect(acc.code, show(acc)).toBe(0);

    const full = lh(dir, ['audit', '--full']);
    expect(full.code, show(full)).toBe(1);
    expect(full.stdout).toContain('accepted-expired (fails the run): acceptance by bob expired on 2001-02-03');

    // a later commit that does not touch the secret: the incremental audit still fails on it
    write(dir, 'README', 'docs\n');
    commit(dir, 'docs');
    const inc = lh(dir, ['audit']);
    expect(inc.code, show(inc)).toBe(1);
    expect(inc.stderr).toContain('incremental audit');
    const scan = lh(dir, ['scan', '.']);
    expect(scan.code, show(scan)).toBe(1);
    expect(scan.stdout).toContain('accepted-expired');
    const st = lh(dir, ['baseline', 'status']);
    expect(st.stdout).toContain('expired acceptances');

    // re-accepted without expiry: passes again
    expect(lh(dir, ['baseline', 'accept', key.split(':')[1]!.slice(0, 8), '--reason', 'kept', '--by', 'bob']).code).toBe(0);
    expect(lh(dir, ['audit']).code).toBe(0);
  }, SLOW);

  it('the baseline file never contains a planted secret in plain text', () => {
    repo = newRepo();
    const { dir } = repo;
    const planted = [TOKENS.ghp, TOKENS.skLive, TOKENS.xoxb];
    write(dir, 'a.js', `const a = "${TOKENS.ghp}";\n`);
    write(dir, 'b.py', `stripe_key = "${TOKENS.skLive}"\n`);
    commit(dir, `wire up slack ${TOKENS.xoxb}`); // in a commit message too
    git(dir, ['rm', '-q', 'a.js']);
    git(dir, ['commit', '-q', '-m', 'drop a']);
    expect(lh(dir, ['baseline', 'create']).code).toBe(0);
    const bytes = readFileSync(join(dir, FILE));
    const b = readJson<BaselineJson>(join(dir, FILE));
    expect(Object.keys(b.entries)).toHaveLength(3);
    for (const s of planted) {
      expect(bytes.includes(Buffer.from(s)), 'secret in plain text').toBe(false);
      expect(bytes.includes(Buffer.from(s.slice(8, 24))), 'a long piece of a secret').toBe(false);
      expect(bytes.includes(Buffer.from(Buffer.from(s).toString('base64'))), 'base64 of a secret').toBe(false);
    }
  }, SLOW);
});
