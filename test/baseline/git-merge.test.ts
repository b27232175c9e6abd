// Real `git merge` of two branches that each add entries to the committed baseline.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaseline, load, merge, parseBaseline, runMergeDriver, save, type Baseline } from '../../src/baseline/index.js';
import type { Finding } from '../../src/types/index.js';
import { AWS_SECRET, C1, GH_TOKEN, PASSWORD, finding, git, tempDir } from './helpers.js';

const NOW = '2025-03-01T12:00:00Z';
const FILE = '.leakhound-baseline.json';

function repoWithBaseline(initial: Finding[]): { dir: string; b: Baseline; cleanup: () => void } {
  const t = tempDir('lh-git-merge-');
  git(t.dir, 'init', '-q', '-b', 'main');
  const b = merge(createBaseline(), initial, { now: NOW, scope: 'full', tips: { 'refs/heads/main': C1 } }).baseline;
  save(join(t.dir, FILE), b);
  git(t.dir, 'add', FILE);
  git(t.dir, 'commit', '-q', '-m', 'baseline');
  return { dir: t.dir, b, cleanup: t.cleanup };
}

function addOnBranch(dir: string, branch: string, f: Finding, from = 'main'): void {
  git(dir, 'checkout', '-q', '-b', branch, from);
  const r = merge(load(join(dir, FILE)), [f], { now: NOW, scope: 'partial' });
  expect(r.added).toHaveLength(1);
  save(join(dir, FILE), r.baseline);
  git(dir, 'commit', '-q', '-am', `baseline: ${branch}`);
}

function tryMerge(dir: string, branch: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: git(dir, 'merge', '--no-edit', '-q', branch) };
  } catch (e) {
    return { ok: false, out: String((e as { stdout?: string }).stdout ?? e) };
  }
}

describe('git merge of baselines', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('two branches that each add a finding merge without conflict (default git driver) into a valid baseline', () => {
    const r = repoWithBaseline([finding('aws.secret-key', AWS_SECRET), finding('github.pat', GH_TOKEN), finding('slack.webhook', 'https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/AbCdEfGhIjKlMnOpQrStUvWx')]);
    cleanup = r.cleanup;
    // branch a adds a password (sorts between aws.* and github.*); branch b a stripe key (sorts after slack.*)
    addOnBranch(r.dir, 'a', finding('generic.password', PASSWORD));
    addOnBranch(r.dir, 'b', finding('stripe.secret-key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dcAbCdEfGh'));
    git(r.dir, 'checkout', '-q', 'main');
    expect(tryMerge(r.dir, 'a').ok).toBe(true); // fast-forward
    const m = tryMerge(r.dir, 'b');
    expect(m.ok, m.out).toBe(true);
    const merged = load(join(r.dir, FILE));
    expect(Object.keys(merged.entries).map((k) => k.split(':')[0])).toEqual([
      'aws.secret-key',
      'generic.password',
      'github.pat',
      'slack.webhook',
      'stripe.secret-key',
    ]);
    // and it is canonical: re-saving changes nothing
    const before = readFileSync(join(r.dir, FILE));
    expect(save(join(r.dir, FILE), merged).written).toBe(false);
    expect(readFileSync(join(r.dir, FILE)).equals(before)).toBe(true);
  });

  it('triage on one branch and a metadata refresh of the same entry on another merge without conflict', () => {
    const r = repoWithBaseline([finding('aws.secret-key', AWS_SECRET), finding('github.pat', GH_TOKEN)]);
    cleanup = r.cleanup;
    const key = Object.keys(r.b.entries)[0]!;
    git(r.dir, 'checkout', '-q', '-b', 'triage');
    const b1 = load(join(r.dir, FILE));
    b1.entries[key]!.triage = { state: 'accepted', reason: 'fixture', by: 'alice', at: NOW };
    save(join(r.dir, FILE), b1);
    git(r.dir, 'commit', '-q', '-am', 'accept');
    git(r.dir, 'checkout', '-q', 'main');
    const b2 = load(join(r.dir, FILE));
    b2.entries[key]!.verification = { status: 'invalid', checkedAt: NOW };
    b2.entries[key]!.removedIn = ['2222222222222222222222222222222222222222'];
    save(join(r.dir, FILE), b2);
    git(r.dir, 'commit', '-q', '-am', 'refresh');
    const m = tryMerge(r.dir, 'triage');
    expect(m.ok, m.out).toBe(true);
    const e = load(join(r.dir, FILE)).entries[key]!;
    expect(e.triage.state).toBe('accepted');
    expect(e.verification?.status).toBe('invalid');
  });

  it('when both branches insert at the same place git conflicts; the leakhound merge driver resolves it', () => {
    const r = repoWithBaseline([]);
    cleanup = r.cleanup;
    addOnBranch(r.dir, 'a', finding('generic.password', PASSWORD));
    addOnBranch(r.dir, 'b', finding('github.pat', GH_TOKEN), 'main');
    git(r.dir, 'checkout', '-q', 'a');
    expect(tryMerge(r.dir, 'b').ok).toBe(false); // both filled the empty "entries": {}
    // what git does with a configured driver: %O %A %B are the three stages; the result goes to %A
    const stage = (n: number): string => {
      const p = join(r.dir, `.stage${n}`);
      writeFileSync(p, git(r.dir, 'show', `:${n}:${FILE}`));
      return p;
    };
    const [o, a, b] = [stage(1), stage(2), stage(3)];
    const notes = runMergeDriver(o, a, b);
    expect(notes).toEqual([]);
    const merged = parseBaseline(readFileSync(a, 'utf8'), a);
    expect(Object.keys(merged.entries).map((k) => k.split(':')[0])).toEqual(['generic.password', 'github.pat']);
    expect(merged.salt).toBe(r.b.salt);
  });

  const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
  it.skipIf(!existsSync(tsx))('with the driver configured in git (.gitattributes + merge.leakhound.driver), git merge succeeds', () => {
    const r = repoWithBaseline([]);
    cleanup = r.cleanup;
    // Stand-in for `leakhound baseline merge-driver %O %A %B` (the CLI wires the same library call).
    const driver = join(r.dir, '..', `${r.dir.split('/').pop()!}-driver.ts`);
    writeFileSync(
      driver,
      `import { runMergeDriver } from ${JSON.stringify(join(process.cwd(), 'src/baseline/index.ts'))};\n` +
        `const [o, a, b] = process.argv.slice(2);\n` +
        `try { for (const n of runMergeDriver(o!, a!, b!)) console.error(n); } catch (e) { console.error(String(e)); process.exit(1); }\n`,
    );
    git(r.dir, 'config', 'merge.leakhound.driver', `${tsx} ${driver} %O %A %B`);
    writeFileSync(join(r.dir, '.gitattributes'), `${FILE} merge=leakhound\n`);
    git(r.dir, 'add', '.gitattributes');
    git(r.dir, 'commit', '-q', '-m', 'attributes');
    addOnBranch(r.dir, 'a', finding('generic.password', PASSWORD));
    addOnBranch(r.dir, 'b', finding('github.pat', GH_TOKEN), 'main');
    git(r.dir, 'checkout', '-q', 'a');
    const m = tryMerge(r.dir, 'b');
    rmSync(driver);
    expect(m.ok, m.out).toBe(true);
    const merged = load(join(r.dir, FILE));
    expect(Object.keys(merged.entries).map((k) => k.split(':')[0])).toEqual(['generic.password', 'github.pat']);
  });
});
