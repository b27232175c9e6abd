// Matcher throughput benchmark. Builds (or reuses) the corpus, then measures in one run:
//   - reading the corpus from disk (the floor),
//   - the matcher on one core with 25 %, 50 % and 100 % of the rules (cost must follow keyword hits, not rules),
//   - the worker pool on all cores, full catalogue,
//   - ripgrep given the same rules' patterns (one pass, all patterns; the reference for a native regex engine).
// Medians of N runs. Usage: npx tsx bench/matcher/run.ts [--mb 64] [--runs 5] [--dir CORPUS]
// --dir takes an existing corpus, e.g. one built from a real history by bench/matcher/real-corpus.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Matcher } from '../../src/matcher/index.js';
import { emit, parsePattern } from '../../src/matcher/regex/parse.js';
import { loadBuiltin } from '../../src/rules/load.js';
import { createPool } from '../../src/workers/pool.js';
import { buildCorpus } from './corpus.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const MB = opt('mb', 64);
const RUNS = opt('runs', 5);
// ripgrep with ~200 combined patterns is slow (minutes on a real corpus): run it fewer times (0: not at all).
const RG_RUNS = opt('rg-runs', RUNS);
const dirArg = args.indexOf('--dir');
const dir = dirArg >= 0 ? args[dirArg + 1]! : `bench/.corpus/matcher-${MB}`;
if (!existsSync(dir)) buildCorpus(dir, MB);
const names = readdirSync(dir).sort();
// Real corpora name files `<oid>--<path with / as __>`: give the matcher the path, as an audit would.
const paths = names.map((n) => (n.includes('--') ? n.slice(n.indexOf('--') + 2).replace(/__/g, '/') : n));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}
async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const files = names.map((n) => readFileSync(join(dir, n)));
const bytes = files.reduce((s, b) => s + b.length, 0);
const mbs = (ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);

const { files: ruleFiles, allow } = loadBuiltin();
const rules = ruleFiles.flatMap((f) => f.rules);
const rows: Array<[string, string, string]> = [];

const readMs = median(Array.from({ length: RUNS }, () => time(() => names.forEach((n) => readFileSync(join(dir, n))))));
rows.push(['read corpus from disk (floor)', `${readMs.toFixed(0)} ms`, mbs(readMs)]);

let found = 0;
for (const share of [0.25, 0.5, 1]) {
  const subset = rules.filter((_, i) => i % Math.round(1 / share) === 0 || share === 1);
  const m = new Matcher(subset, { allow });
  const ms = median(
    Array.from({ length: RUNS }, () =>
      time(() => {
        let n = 0;
        for (let i = 0; i < files.length; i++) n += m.scanUnit({ id: String(i), bytes: files[i]!, pathHint: paths[i]! }).matches.length;
        if (share === 1) found = n;
      }),
    ),
  );
  rows.push([`matcher, 1 core, ${subset.length} rules (${share * 100} %)`, `${ms.toFixed(0)} ms`, mbs(ms)]);
}

const threads = availableParallelism();
const poolMs: number[] = [];
const pool = createPool({ rules, allow }, { threads });
// One untimed pass first, as the single-core runs above reuse their warm matcher: thread start, rule compilation
// and the JIT's warm-up are not throughput.
const poolPass = async (): Promise<void> => {
  await Promise.all(files.map((b, i) => pool.scan({ id: String(i), bytes: new Uint8Array(b), pathHint: paths[i]! })));
};
await poolPass();
for (let k = 0; k < RUNS; k++) poolMs.push(await timeAsync(poolPass));
await pool.close();
rows.push([`matcher, worker pool, ${threads} threads, all rules`, `${median(poolMs).toFixed(0)} ms`, mbs(median(poolMs))]);

// ripgrep with the same patterns (as RE2-syntax sources, which Rust's regex accepts), one pass over all files.
if (RG_RUNS > 0) try {
  mkdirSync('bench/.work', { recursive: true });
  const pf = 'bench/.work/rg-patterns.txt';
  writeFileSync(
    pf,
    rules
      .map((r) => {
        const p = parsePattern(r.pattern, r.flags);
        return (p.flags.i ? '(?i)' : '') + (p.flags.m ? '(?m)' : '') + emit(p.ast, 're2');
      })
      .join('\n') + '\n',
  );
  const rgMs = median(
    Array.from({ length: RG_RUNS }, () =>
      time(() => {
        try {
          execFileSync('rg', ['-c', '--no-config', '-U', '-j', '1', '--regex-size-limit', '1G', '--dfa-size-limit', '1G', '-f', pf, dir], { stdio: 'pipe', maxBuffer: 1 << 26 });
        } catch (e) {
          if ((e as { status?: number }).status !== 1) throw e;
        }
      }),
    ),
  );
  rows.push([`ripgrep -U -j1, ${rules.length} patterns`, `${rgMs.toFixed(0)} ms`, mbs(rgMs)]);
} catch (e) {
  rows.push(['ripgrep', `unavailable (${(e as Error).message.split('\n')[0]})`, '-']);
}

console.log(`corpus: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB; ${rules.length} rules; ${found} matches; medians of ${RUNS} runs; node ${process.version}`);
console.log('| what | time | MB/s |\n|---|---|---|');
for (const [a, b, c] of rows) console.log(`| ${a} | ${b} | ${c} |`);
