// `leakhound scan <path...>`: files, directories, '-' for stdin.
import type { Argv } from 'yargs';
import { runScan } from '../../pipeline/scan.js';
import { applyBaseline } from '../baseline-gate.js';
import { prepareVerifyStep, verifyOptions } from '../verify-options.js';
import { EXIT, EXIT_CODES_HELP, colorFor, dash, emit, loadRulesFromArgs, outputOptions, readStdin, render, ruleOptions, sizeArg } from '../shared.js';

export const command = 'scan <paths..>';
export const describe = 'Scan files, directories (honouring .gitignore) or stdin (-) for secrets';

export function builder(y: Argv) {
  return verifyOptions(outputOptions(ruleOptions(y), ['text', 'json', 'jsonl']))
    .positional('paths', { type: 'string', array: true, describe: "Files or directories; '-' reads stdin" })
    .option('exclude', { alias: 'x', type: 'string', array: true, default: [], describe: 'Glob(s) of paths to skip (e.g. "**/*.lock")' })
    .option('max-file-size', { type: 'string', describe: 'Skip files larger than this (e.g. 10MB); skipped files are counted' })
    .option('gitignore', { type: 'boolean', default: true, describe: 'Honour .gitignore files (--no-gitignore scans ignored files too)' })
    .option('inline-allow', { type: 'boolean', default: true, describe: 'Honour inline allow comments (leakhound:allow, gitleaks:allow, pragma: allowlist secret, trufflehog:ignore)' })
    .option('threads', { type: 'number', describe: 'Matcher threads (default: one per core; 0 = main thread)' })
    .option('baseline', { alias: 'b', type: 'string', describe: 'Baseline file: findings already in it do not fail the run, except expired acceptances (default: .leakhound-baseline.json at the repository root, if present)' })
    .example('$0 scan .', 'Scan the current directory')
    .example('cat .env | $0 scan -', 'Scan standard input')
    .example('$0 scan src --format jsonl -o leaks.jsonl', 'Write one JSON object per finding')
    .epilog(EXIT_CODES_HELP);
}

export async function handler(argv: Record<string, unknown>): Promise<number> {
  const loaded = loadRulesFromArgs(argv, process.cwd());
  const verify = prepareVerifyStep(argv, loaded.rules);
  const maxFileSize = sizeArg(argv.maxFileSize, '--max-file-size') ?? loaded.config.maxFileSize;
  const opts: Parameters<typeof runScan>[1] = {
    paths: (argv.paths as string[]).map(dash),
    exclude: [...(argv.exclude as string[]), ...loaded.config.exclude],
    gitignore: argv.gitignore !== false,
    prefilter: true,
    inlineAllow: argv.inlineAllow !== false,
    readStdin,
  };
  if (maxFileSize !== undefined) opts.maxFileSize = maxFileSize;
  if (typeof argv.threads === 'number') opts.threads = argv.threads;
  const res = await runScan(loaded, opts);
  await verify(res.findings);
  for (const s of res.skipped) if (s.reason === 'unreadable') process.stderr.write(`leakhound: warning: cannot read ${s.display} (${s.detail ?? 'error'})\n`);
  const remediation = new Map(loaded.rules.map((r) => [r.id, r.remediation]));
  const stats = { files: res.stats.files, bytes: res.stats.bytes, 'binary skipped': res.stats.binary, 'too large skipped': res.stats.tooLarge, ms: res.stats.ms };
  const gate = await applyBaseline(argv, process.cwd(), res.findings);
  const ro: Parameters<typeof render>[2] = { showSecrets: argv.redact === false, color: colorFor(argv), remediation, stats };
  if (gate) Object.assign(ro, { suppressed: gate.suppressed, keys: gate.keys, classes: gate.classes, failing: gate.failing });
  emit(render(argv.format as string, res.findings, ro), argv.output as string | undefined);
  if (res.stats.unreadable > 0) return EXIT.ERROR;
  return (gate ? gate.failing : res.findings.length) ? EXIT.FINDINGS : EXIT.CLEAN;
}
