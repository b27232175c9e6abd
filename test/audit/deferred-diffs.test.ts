// The audit's two homes for tree diffs (src/pipeline/audit.ts, sendDiffs): in the walk on the main thread, or in runs
// of commits on a worker once the history is long and the worker is less busy. Whatever the home, the same findings,
// attribution, errors and counts, on a history with merges, renames, deletions, secrets coming and going, and on one
// whose pack is truncated (errors reported from the worker must name the same objects and places).
import { readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/pipeline/audit.js';
import { cleanup, commitAll, git, initRepo, tempDir, write } from '../git/fixtures.js';
import { TOKENS } from '../helpers/rules.js';
import { audit } from './helpers.js';

afterAll(cleanup);

function history(): string {
  const dir = initRepo(join(tempDir('lh-defer-'), 'r'));
  write(dir, 'README.md', '# app\n');
  for (let i = 0; i < 12; i++) write(dir, `pkg/m${i}/index.js`, `module.exports = ${i};\n`);
  commitAll(dir, 'initial');
  write(dir, 'config.env', `GITHUB_TOKEN=${TOKENS.ghp}\n`);
  commitAll(dir, 'add config');
  git(dir, ['checkout', '-q', '-b', 'feature']);
  write(dir, 'pkg/m3/keys.py', `AWS_ACCESS_KEY_ID = "${TOKENS.akia}"\nAWS_SECRET_ACCESS_KEY = "${TOKENS.awsSecret}"\n`);
  commitAll(dir, 'keys on a branch');
  git(dir, ['mv', 'config.env', 'pkg/m7/config.env']);
  commitAll(dir, 'move config');
  git(dir, ['checkout', '-q', 'main']);
  for (let i = 0; i < 30; i++) {
    write(dir, `pkg/m${i % 12}/index.js`, `module.exports = ${i * 31};\n// rev ${i}\n`);
    if (i === 9) write(dir, 'slack.txt', `token: ${TOKENS.xoxb}\n`);
    if (i === 20) rmSync(join(dir, 'slack.txt'));
    commitAll(dir, `change ${i}`);
  }
  git(dir, ['merge', '-q', '--no-ff', '-m', 'merge feature', 'feature']);
  write(dir, 'stripe.txt', `STRIPE=${TOKENS.skLive}\n`);
  commitAll(dir, 'stripe');
  return dir;
}

/** Everything of a result that must not depend on where the diffs ran. */
function essence(r: AuditResult): unknown {
  const { ms: _ms, ...stats } = r.stats;
  return { findings: r.findings, errors: r.errors, stats, tips: r.tips };
}

describe('tree diffs on the main thread or on a worker', () => {
  const inWalk = { deferDiffsAfter: Number.POSITIVE_INFINITY };
  const runsHere = { deferDiffsAfter: 0, offloadRuns: 0 };
  const runsOnWorker = { deferDiffsAfter: 0, offloadRuns: Number.POSITIVE_INFINITY };
  const fromTheMiddle = { deferDiffsAfter: 17, offloadRuns: Number.POSITIVE_INFINITY };

  it('give the same audit on a history with merges, renames and secrets coming and going', async () => {
    const dir = history();
    const baseBlobs: string[] = [];
    const base = await audit(dir, { ...inWalk, onBlob: (oid) => baseBlobs.push(oid) });
    expect(base.findings.length).toBeGreaterThanOrEqual(5);
    expect(base.findings.some((f) => f.removedIn.length > 0)).toBe(true);
    for (const o of [runsHere, runsOnWorker, fromTheMiddle]) {
      // Runs on the worker scan the blobs they bring in there (claims.ts): still each blob once, by one thread.
      const blobs: string[] = [];
      expect(essence(await audit(dir, { ...o, onBlob: (oid) => blobs.push(oid) }))).toEqual(essence(base));
      expect(blobs.length).toBe(new Set(blobs).size);
      expect([...blobs].sort()).toEqual([...baseBlobs].sort());
    }
  });

  it('report the same unreadable objects, by object and place, from a truncated pack', async () => {
    const dir = history();
    git(dir, ['gc', '-q', '--prune=now']);
    const packDir = join(dir, '.git', 'objects', 'pack');
    const pack = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.pack')) ?? '');
    truncateSync(pack, Math.floor(statSync(pack).size * 0.6));
    const base = await audit(dir, inWalk);
    expect(base.errors.length).toBeGreaterThan(0);
    for (const o of [runsHere, runsOnWorker, fromTheMiddle]) expect(essence(await audit(dir, o))).toEqual(essence(base));
  });
});
