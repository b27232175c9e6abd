// Attribution over a long history against a brute-force model: every commit's secrets are known from the files it
// was built with, so "introduced" (in its tree, in no parent's) and "removed" (in a parent's, not in its own) can be
// computed directly and compared with the audit's incremental counts, whose layers are flattened every 32 commits
// (Counts in pipeline/audit.ts): a history several times that long, secrets held by two files at once (a count of
// 2 that drops to 1 removes nothing), topic branches, and merges that resolve to either side or to neither.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, git, initRepo, tempDir } from '../git/fixtures.js';
import { TOKENS } from '../helpers/rules.js';
import { audit, bySecret, commitsOf } from './helpers.js';

afterAll(cleanup);

/** Files that may hold a secret, and the one they hold. */
const SECRET_FILES: Record<string, { secret: string; text: string }> = {
  'config/a.env': { secret: TOKENS.ghp, text: `GITHUB_TOKEN=${TOKENS.ghp}\n` },
  'deploy/b.env': { secret: TOKENS.ghp, text: `GH_TOKEN=${TOKENS.ghp}\n` },
  'src/slack.js': { secret: TOKENS.xoxb, text: `export const SLACK = '${TOKENS.xoxb}';\n` },
  'billing/keys.py': { secret: TOKENS.skLive, text: `STRIPE_KEY = "${TOKENS.skLive}"\n` },
};
const PATHS = Object.keys(SECRET_FILES);

type Tree = Map<string, string>;

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe('attribution over a long history with merges (brute-force model)', () => {
  const dir = initRepo(join(tempDir('lh-long-'), 'r'));
  const rnd = xorshift(20261130);
  /** Each commit's mark, tree and parent marks, in creation order. */
  const commits: Array<{ mark: number; tree: Tree; parents: number[] }> = [];
  let script = '';
  let mark = 0;
  let time = 1_700_000_000;
  const emit = (branch: string, tree: Tree, parents: number[], msg: string): number => {
    mark++;
    time += 60;
    script += `commit refs/heads/${branch}\nmark :${mark}\nauthor Ada <ada@example.com> ${time} +0000\ncommitter Ada <ada@example.com> ${time} +0000\n`;
    script += `data ${Buffer.byteLength(msg)}\n${msg}\n`;
    if (parents.length > 0) script += `from :${parents[0]}\n`;
    for (const p of parents.slice(1)) script += `merge :${p}\n`;
    script += 'deleteall\n';
    for (const [path, text] of tree) script += `M 100644 inline ${path}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
    commits.push({ mark, tree: new Map(tree), parents });
    return mark;
  };
  /** One random edit: a secret file added or removed, or the plain file changed. */
  const edit = (tree: Tree, n: number): Tree => {
    const t = new Map(tree);
    const r = rnd();
    if (r < 0.6) {
      const p = PATHS[Math.floor(rnd() * PATHS.length)]!;
      if (t.has(p)) t.delete(p);
      else t.set(p, SECRET_FILES[p]!.text);
    } else t.set('README.md', `# app\nrevision ${n}\n`);
    return t;
  };

  let mainTree: Tree = new Map([['README.md', '# app\n']]);
  let mainTip = emit('main', mainTree, [], 'root');
  for (let i = 0; i < 150; i++) {
    if (i % 17 === 5) {
      // A topic branch of a few commits from here, merged back after more work on main.
      let topicTree = mainTree;
      let topicTip = mainTip;
      for (let k = 0; k < 3 + (i % 3); k++) {
        topicTree = edit(topicTree, 1000 + i * 10 + k);
        topicTip = emit(`topic${i}`, topicTree, [topicTip], `topic ${i}.${k}`);
      }
      mainTree = edit(mainTree, i);
      mainTip = emit('main', mainTree, [mainTip], `main ${i}`);
      // The merge takes each file from either side at random, or drops it: a resolution may add or remove secrets.
      const merged: Tree = new Map();
      for (const p of new Set([...mainTree.keys(), ...topicTree.keys()])) {
        const r = rnd();
        const v = r < 0.45 ? mainTree.get(p) : r < 0.9 ? topicTree.get(p) : undefined;
        if (v !== undefined) merged.set(p, v);
      }
      if (!merged.has('README.md')) merged.set('README.md', '# app\n');
      mainTree = merged;
      mainTip = emit('main', mainTree, [mainTip, topicTip], `merge topic ${i}`);
    } else {
      mainTree = edit(mainTree, i);
      mainTip = emit('main', mainTree, [mainTip], `main ${i}`);
    }
  }
  const marksFile = join(dir, '.git', 'marks');
  git(dir, ['fast-import', '--quiet', `--export-marks=${marksFile}`], script);
  const oidOf = new Map<number, string>();
  for (const line of readFileSync(marksFile, 'utf8').trim().split('\n')) {
    const [m, oid] = line.split(' ');
    oidOf.set(Number(m!.slice(1)), oid!);
  }

  const secretsIn = (t: Tree): Set<string> => new Set([...t.keys()].flatMap((p) => (SECRET_FILES[p] ? [SECRET_FILES[p].secret] : [])));
  const byMark = new Map(commits.map((c) => [c.mark, c]));
  const expected = (secret: string): { introduced: string[]; removed: string[] } => {
    const introduced: string[] = [];
    const removed: string[] = [];
    for (const c of commits) {
      const mine = secretsIn(c.tree).has(secret);
      const inParents = c.parents.map((p) => secretsIn(byMark.get(p)!.tree).has(secret));
      if (mine && !inParents.some(Boolean)) introduced.push(oidOf.get(c.mark)!);
      if (!mine && inParents.some(Boolean)) removed.push(oidOf.get(c.mark)!);
    }
    return { introduced: introduced.sort(), removed: removed.sort() };
  };

  it('has the history the test needs', () => {
    expect(commits.length).toBeGreaterThan(4 * 32);
    expect(commits.filter((c) => c.parents.length > 1).length).toBeGreaterThan(5);
    for (const s of [TOKENS.ghp, TOKENS.xoxb, TOKENS.skLive]) {
      const e = expected(s);
      expect(e.introduced.length).toBeGreaterThan(3);
      expect(e.removed.length).toBeGreaterThan(3);
    }
  });

  it('reports progress with the commits to walk known ahead (for the ETA), never fewer than walked', async () => {
    const reports: Array<{ commits: number; total: number }> = [];
    await audit(dir, { onProgress: (p) => reports.push({ commits: p.commits, total: p.total }) });
    expect(reports.length).toBeGreaterThanOrEqual(2);
    for (const r of reports) {
      expect(r.commits).toBeLessThanOrEqual(r.total);
      expect(r.total).toBeLessThanOrEqual(commits.length);
    }
    // The walk descends to the root before it yields a commit: the first report already knows most of the history.
    expect(reports[0]!.total).toBeGreaterThan(2 * reports[0]!.commits);
  });

  it.each([
    ['diffs in the walk', { deferDiffsAfter: Number.POSITIVE_INFINITY }],
    ['diffs on the worker', { deferDiffsAfter: 0, offloadRuns: Number.POSITIVE_INFINITY }],
  ])('introduced, removed and tips equal the model (%s)', async (_name, o) => {
    const res = await audit(dir, o);
    expect(res.errors).toEqual([]);
    const tips = new Map(commits.map((c) => [oidOf.get(c.mark)!, c]));
    for (const s of [TOKENS.ghp, TOKENS.xoxb, TOKENS.skLive]) {
      const f = bySecret(res.findings, s);
      expect(f).toBeDefined();
      const e = expected(s);
      expect(commitsOf(f!.introducedIn).sort()).toEqual(e.introduced);
      expect(commitsOf(f!.removedIn).sort()).toEqual(e.removed);
      const atTips = Object.entries(res.tips)
        .filter(([, oid]) => secretsIn(tips.get(oid)!.tree).has(s))
        .map(([name]) => name)
        .sort();
      expect([...f!.atTips].sort()).toEqual(atTips);
    }
  });
});
