// Benchmark of the git object layer against git itself, on one repository (default: the generated one).
// Phases run in separate child processes so each peak RSS (resourceUsage().maxRSS) is its own.
//   blobs:   read every blob through ObjectStore (storage order), vs `git cat-file --batch-all-objects --batch`
//   walk:    walkHistory over every ref with per-parent tree diffs, vs `git log --raw --all` and
//            `git rev-list --objects --all`
// Usage: npx tsx bench/git/read-bench.ts [REPO] [--runs N]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listRefs, openRepository, walkHistory } from '../../src/sources/git/index.js';

const self = fileURLToPath(import.meta.url);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const mb = (n: number): string => (n / 1e6).toFixed(1);

function phaseBlobs(repoPath: string): Record<string, number> {
  const t0 = performance.now();
  const { store } = openRepository(repoPath);
  const blobs: string[] = [];
  for (const oid of store.allOids()) if (store.readHeader(oid).type === 'blob') blobs.push(oid);
  const ordered = store.sortByLocation(blobs);
  const t1 = performance.now();
  let bytes = 0;
  for (const oid of ordered) bytes += store.read(oid).data.length;
  const t2 = performance.now();
  return { blobs: blobs.length, bytes, listMs: t1 - t0, readMs: t2 - t1, maxRssKB: process.resourceUsage().maxRSS };
}

function phaseWalk(repoPath: string): Record<string, number> {
  const t0 = performance.now();
  const { repo, store } = openRepository(repoPath);
  let commits = 0;
  let changes = 0;
  const blobs = new Set<string>();
  for (const e of walkHistory(store, { tips: listRefs(repo).map((r) => r.oid), shallow: repo.shallow })) {
    if (e.kind !== 'commit') continue;
    commits++;
    for (const d of e.diffs)
      for (const c of d.changes) {
        changes++;
        if (c.newOid !== null) blobs.add(c.newOid);
      }
  }
  const t1 = performance.now();
  return { commits, changes, uniqueBlobs: blobs.size, walkMs: t1 - t0, maxRssKB: process.resourceUsage().maxRSS };
}

/** Runs a git command, consuming stdout; returns wall ms, bytes of output, and the child's peak RSS. */
function timeGit(repoPath: string, args: string[]): { ms: number; outBytes: number; maxRssKB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'git', ...args], { cwd: repoPath, maxBuffer: 2 ** 31, encoding: 'buffer' });
  const ms = performance.now() - t0;
  const rss = Number(r.stderr.toString().trim().split('\n').pop());
  return { ms, outBytes: r.stdout.length, maxRssKB: rss };
}

function child(phase: string, repoPath: string): Promise<Record<string, number>> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [...process.execArgv, self, '--phase', phase, repoPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (c) => (c === 0 ? res(JSON.parse(out) as Record<string, number>) : rej(new Error(`phase ${phase} exit ${c}`))));
  });
}

async function main(): Promise<void> {
  const pi = process.argv.indexOf('--phase');
  if (pi >= 0) {
    const phase = process.argv[pi + 1];
    const repoPath = process.argv[pi + 2] ?? '.';
    process.stdout.write(JSON.stringify(phase === 'blobs' ? phaseBlobs(repoPath) : phaseWalk(repoPath)));
    return;
  }
  const ri = process.argv.indexOf('--runs');
  const runs = ri >= 0 ? Number(process.argv[ri + 1]) : 5;
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--runs');
  const repoPath = resolve(positional[0] ?? 'bench/.work/gen-6000c');
  const packMB = Number(execFileSync('du', ['-sk', `${repoPath}/${execFileSync('git', ['rev-parse', '--git-dir'], { cwd: repoPath }).toString().trim()}/objects`], { cwd: repoPath }).toString().split('\t')[0]) / 1024;
  console.log(`repository: ${repoPath} (objects: ${packMB.toFixed(1)} MiB on disk), ${runs} runs, medians`);

  const blobRuns: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) blobRuns.push(await child('blobs', repoPath));
  const b0 = blobRuns[0] ?? {};
  const readMs = median(blobRuns.map((r) => r['readMs'] ?? NaN));
  console.log(
    `ObjectStore: ${b0['blobs']} blobs, ${mb(b0['bytes'] ?? 0)} MB in ${readMs.toFixed(0)} ms = ${((b0['bytes'] ?? 0) / 1e6 / (readMs / 1000)).toFixed(0)} MB/s` +
      ` (listing+typing all oids ${median(blobRuns.map((r) => r['listMs'] ?? NaN)).toFixed(0)} ms), peak RSS ${(median(blobRuns.map((r) => r['maxRssKB'] ?? NaN)) / 1024).toFixed(0)} MiB`,
  );
  for (const args of [
    ['cat-file', '--batch-all-objects', '--batch'],
    ['cat-file', '--batch-all-objects', '--batch', '--unordered'],
  ]) {
    const rs = Array.from({ length: runs }, () => timeGit(repoPath, args));
    console.log(`git ${args.join(' ')}: ${median(rs.map((r) => r.ms)).toFixed(0)} ms, ${mb(rs[0]?.outBytes ?? 0)} MB out (all object types), peak RSS ${(median(rs.map((r) => r.maxRssKB)) / 1024).toFixed(0)} MiB`);
  }

  const walkRuns: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) walkRuns.push(await child('walk', repoPath));
  const w0 = walkRuns[0] ?? {};
  console.log(
    `walkHistory (all refs, per-parent tree diffs): ${w0['commits']} commits, ${w0['changes']} changes, ${w0['uniqueBlobs']} unique blobs in ` +
      `${median(walkRuns.map((r) => r['walkMs'] ?? NaN)).toFixed(0)} ms, peak RSS ${(median(walkRuns.map((r) => r['maxRssKB'] ?? NaN)) / 1024).toFixed(0)} MiB`,
  );
  for (const args of [
    ['log', '--raw', '--all', '--no-renames', '--format=%H'],
    ['rev-list', '--objects', '--all'],
    ['log', '-p', '--all'],
  ]) {
    const rs = Array.from({ length: Math.min(runs, 3) }, () => timeGit(repoPath, args));
    console.log(`git ${args.join(' ')}: ${median(rs.map((r) => r.ms)).toFixed(0)} ms, peak RSS ${(median(rs.map((r) => r.maxRssKB)) / 1024).toFixed(0)} MiB`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
