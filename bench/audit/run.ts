// Audit benchmark: in one run, wall time (median of N) and peak memory of `leakhound audit` (the built CLI) beside
// what git itself pays for the same history, and peers when they are installed:
//   git log -p --all                             (what a log-parsing scanner must read before it scans anything)
//   git log -p -U0 --full-history --all          (what gitleaks runs)
//   git cat-file --batch-all-objects --batch     (git's own floor for reading every object)
//   gitleaks git / trufflehog git                (only if on PATH)
// Each command runs under /usr/bin/time -v (peak RSS = "Maximum resident set size"), its stdout piped through
// `wc -c` so nothing can short-cut writing to /dev/null. Runs are interleaved (round-robin) so a load spike on the
// shared machine hits every command alike.
// Usage: npm run build && npx tsx bench/audit/run.ts --repo DIR [--repo DIR2] [--runs 3] [--only leakhound,git-log]
// Writes bench/.work/audit-results-<name>.json and prints a markdown table per repository.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'leakhound.cjs');

function args(name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.argv.length; i++) if (process.argv[i] === `--${name}`) out.push(process.argv[i + 1] ?? '');
  return out;
}
const repos = args('repo').map((r) => resolve(r));
const runs = Number(args('runs')[0] ?? 3);
const only = args('only')[0]?.split(',');
if (repos.length === 0) {
  console.error('usage: npx tsx bench/audit/run.ts --repo DIR [--repo DIR2] [--runs 3]');
  process.exit(2);
}

const onPath = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

interface Cmd {
  name: string;
  sh: (repo: string) => string;
}
const COMMANDS: Cmd[] = [
  { name: 'leakhound audit', sh: (r) => `node ${q(CLI)} audit ${q(r)} --no-progress --format json` },
  { name: 'git log -p --all', sh: (r) => `git -C ${q(r)} log -p --all` },
  { name: 'git log -p -U0 --full-history --all', sh: (r) => `git -C ${q(r)} log -p -U0 --full-history --all` },
  { name: 'git cat-file --batch-all-objects --batch', sh: (r) => `git -C ${q(r)} cat-file --batch-all-objects --batch` },
];
if (onPath('gitleaks')) COMMANDS.push({ name: 'gitleaks git', sh: (r) => `gitleaks git ${q(r)} --no-banner --report-path /dev/stdout --exit-code 0` });
if (onPath('trufflehog')) COMMANDS.push({ name: 'trufflehog git', sh: (r) => `trufflehog git file://${q(r)} --no-update --json` });
const cmds = only ? COMMANDS.filter((c) => only.some((o) => c.name.includes(o))) : COMMANDS;

interface Sample {
  seconds: number;
  /** user + system CPU seconds of the command and its children: steadier than wall time on a loaded machine. */
  cpu: number;
  rssMB: number;
  outBytes: number;
}

function runOnce(line: string): Sample {
  // `time -v` measures the shell, whose children (the command and wc) it waits for: ru_maxrss is the largest of them.
  const r = spawnSync('/usr/bin/time', ['-v', 'sh', '-c', `${line} | wc -c`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const err = r.stderr;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(err);
  if (!rss || !wall) throw new Error(`could not parse /usr/bin/time output for ${line}:\n${err}`);
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  const cpu = Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? 0) + Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1] ?? 0);
  return { seconds, cpu, rssMB: Number(rss[1]) / 1024, outBytes: Number(r.stdout.trim()) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

function packMB(repo: string): number {
  const gitDir = existsSync(join(repo, '.git')) ? join(repo, '.git') : repo;
  const dir = join(gitDir, 'objects', 'pack');
  let total = 0;
  for (const f of existsSync(dir) ? readdirSync(dir) : []) if (f.endsWith('.pack')) total += statSync(join(dir, f)).size;
  return total / 1e6;
}

const gitNum = (repo: string, a: string[]): number => Number(execFileSync('git', ['-C', repo, ...a], { maxBuffer: 1 << 30 }).toString().trim().split('\n').length);

mkdirSync(join(ROOT, 'bench', '.work'), { recursive: true });
for (const repo of repos) {
  const name = basename(repo).replace(/\.git$/, '');
  const commits = gitNum(repo, ['rev-list', '--all']);
  const pack = packMB(repo);
  // One audit for its own summary (unique blobs, MB scanned, findings by status).
  const probe = spawnSync('node', [CLI, 'audit', repo, '--no-progress', '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const stats = (JSON.parse(probe.stdout) as { stats: Record<string, unknown> }).stats;
  console.error(`${name}: ${commits} commits, pack ${pack.toFixed(1)} MB, audit stats ${JSON.stringify(stats)}`);
  const samples = new Map<string, Sample[]>(cmds.map((c) => [c.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const c of cmds) {
      const s = runOnce(c.sh(repo));
      samples.get(c.name)?.push(s);
      console.error(`  run ${i + 1}/${runs} ${c.name}: ${s.seconds.toFixed(2)} s (cpu ${s.cpu.toFixed(2)} s), ${s.rssMB.toFixed(0)} MB, ${(s.outBytes / 1e6).toFixed(1)} MB out`);
    }
  }
  const rows = cmds.map((c) => {
    const ss = samples.get(c.name) ?? [];
    const rss = Math.max(...ss.map((s) => s.rssMB));
    return { name: c.name, median: median(ss.map((s) => s.seconds)), min: Math.min(...ss.map((s) => s.seconds)), max: Math.max(...ss.map((s) => s.seconds)), cpu: median(ss.map((s) => s.cpu)), rssMB: rss, rssPer100MBPack: (rss / pack) * 100, outMB: (ss[0]?.outBytes ?? 0) / 1e6 };
  });
  // Each round runs the commands back to back: the audit's time over a command's in the same round cancels most of
  // a shared host's drift (another tenant can move git's own time by a third within minutes).
  const ours = samples.get('leakhound audit') ?? [];
  const ratios = cmds
    .filter((c) => c.name !== 'leakhound audit' && ours.length > 0)
    .map((c) => {
      const theirs = samples.get(c.name) ?? [];
      const rs = ours.map((s, i) => s.seconds / (theirs[i]?.seconds ?? NaN)).filter((x) => Number.isFinite(x));
      return { against: c.name, median: median(rs), min: Math.min(...rs), max: Math.max(...rs) };
    });
  const result = { repo, name, commits, packMB: pack, runs, audit: stats, rows, ratios, when: new Date().toISOString(), load: execFileSync('cat', ['/proc/loadavg']).toString().trim() };
  writeFileSync(join(ROOT, 'bench', '.work', `audit-results-${name}.json`), JSON.stringify(result, null, 2));
  console.log(`\n### ${name}: ${commits} commits, pack ${pack.toFixed(1)} MB, ${String(stats['unique blobs'])} unique blobs / ${String(stats['MB'])} MB scanned (median of ${runs})\n`);
  console.log(`load average at the end: ${result.load}\n`);
  console.log('| command | median wall s | min–max wall s | median CPU s (user+sys) | peak RSS MB | RSS per 100 MB pack | stdout MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| \`${r.name}\` | ${r.median.toFixed(2)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rssMB.toFixed(0)} | ${r.rssPer100MBPack.toFixed(0)} | ${r.outMB.toFixed(1)} |`);
  if (ratios.length > 0) console.log('');
  for (const r of ratios) console.log(`\`leakhound audit\` / \`${r.against}\`, per round: median ${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`);
}
