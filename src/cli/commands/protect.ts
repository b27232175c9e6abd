// `leakhound protect [files..]`: the pre-commit check. Exit 1 blocks the commit.
// Heavy modules (pipeline, matcher, baseline) are imported inside the handler: a hook pays Node start-up on every
// commit, and every command module is loaded by the registry whatever command runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, Options } from 'yargs';
import type { Finding } from '../../types/index.js';
import { EXIT, RULE_OPTIONS, colorFor, emit, loadRulesFromArgs, outputOptionSpec, render, sizeArg } from '../shared.js';

export const command = 'protect [files..]';
export const describe = 'Pre-commit check: block a commit that adds secrets (staged changes, or the files named)';

/** The options, as data: yargs takes them, and the hook's fast path (../fast-args.ts) parses them without yargs. */
export const options = {
  ...RULE_OPTIONS,
  ...outputOptionSpec(['text', 'json', 'jsonl']),
  baseline: { alias: 'b', type: 'string', describe: 'Baseline file; known findings do not block (default: .leakhound-baseline.json at the repository root, if present)' },
  'inline-allow': { type: 'boolean', default: true, describe: 'Honour inline allow comments (# leakhound:allow, gitleaks:allow, pragma: allowlist secret)' },
  'max-file-size': { type: 'string', describe: 'Skip files larger than this (e.g. 10MB)' },
  verbose: { alias: 'v', type: 'boolean', default: false, describe: 'Also report when nothing was found' },
} as const satisfies Record<string, Options>;

/** The positional argument (`files..`). */
export const positional = 'files';

export function builder(y: Argv) {
  return y
    .options(options)
    .positional(positional, { type: 'string', array: true, describe: 'Files to scan (as pre-commit / lint-staged pass them); none: the staged changes' })
    .example('$0 protect', 'Scan what `git commit` is about to record (run from a pre-commit hook)')
    .example('$0 hook install', 'Install it as the pre-commit hook')
    .epilog('Exit codes: 0 nothing new, 1 the commit adds secrets (blocks it), 2 usage or input error. Never uses the network.');
}

function guidance(n: number, keyed: boolean): string {
  return [
    `leakhound: this commit adds ${n} secret${n === 1 ? '' : 's'}; the commit was blocked. What to do:`,
    '  1. Remove it from the file (read it from the environment or a secret manager) and `git add` the file again.',
    '  2. If it was ever shared, pushed or used, rotate it now (see "fix:" above): deleting it does not make it safe.',
    '  3. A false positive or a test value? Add `# leakhound:allow` (or `// leakhound:allow`) to the end of that line,',
    keyed
      ? '     or accept it in the baseline: leakhound baseline accept <fingerprint> --reason "..."'
      : '     or record it in a baseline (.leakhound-baseline.json) and accept it: leakhound baseline accept <fingerprint> --reason "..."',
    '  Skipping the check once (git commit --no-verify) commits the secret: do not.',
    '',
  ].join('\n');
}

export async function handler(argv: Record<string, unknown>): Promise<number> {
  const cwd = process.cwd();
  const files = ((argv.files as string[] | undefined) ?? []).filter((f) => f !== '');
  // Config and baseline live at the repository root; hooks run there, but a user may not.
  let root = cwd;
  try {
    const { discoverRepository } = await import('../../sources/git/repo.js');
    root = discoverRepository(cwd, { env: process.env }).workTree ?? cwd;
  } catch {
    if (!files.length) throw new (await import('../../errors/index.js')).LeakhoundError('E_NOT_A_REPO', `not inside a git repository (${cwd}); name files to scan them`);
  }
  const loaded = loadRulesFromArgs(argv, root);
  const { runProtect } = await import('../../pipeline/protect.js');
  const maxFileSize = sizeArg(argv.maxFileSize, '--max-file-size') ?? loaded.config.maxFileSize;
  const opts: Parameters<typeof runProtect>[1] = { cwd, env: process.env, inlineAllow: argv.inlineAllow !== false, exclude: loaded.config.exclude };
  if (files.length) opts.files = files;
  if (maxFileSize !== undefined) opts.maxFileSize = maxFileSize;
  const res = runProtect(loaded, opts);
  for (const n of res.notes) process.stderr.write(`leakhound: note: ${n}\n`);

  let shown: Finding[] = res.findings;
  let keys: Map<string, string> | undefined;
  let suppressed: Record<string, number> | undefined;
  const explicit = typeof argv.baseline === 'string' ? (argv.baseline as string) : undefined;
  const baselinePath = explicit ?? join(root, '.leakhound-baseline.json');
  if (res.findings.length && (explicit !== undefined || existsSync(baselinePath))) {
    const bl = await import('../../baseline/index.js');
    const c = bl.classify(bl.load(baselinePath), res.findings, new Date());
    shown = c.failing.map((i) => i.finding);
    keys = new Map(c.items.map((i) => [i.finding.fingerprint, i.key]));
    suppressed = Object.fromEntries(Object.entries(c.suppressed.byClass).filter(([, v]) => v > 0));
  }
  const remediation = new Map(loaded.rules.map((r) => [r.id, r.remediation]));
  const format = argv.format as string;
  if (format !== 'text' || shown.length || argv.verbose) {
    const o: Parameters<typeof render>[2] = { showSecrets: argv.redact === false, color: colorFor(argv), remediation };
    if (keys) o.keys = keys;
    if (suppressed) o.suppressed = suppressed;
    if (argv.verbose) o.stats = { mode: res.mode, files: res.stats.files, bytes: res.stats.bytes, 'binary skipped': res.stats.binary, 'already committed': res.stats.alreadyCommitted, ms: res.stats.ms };
    let text = render(format, shown, o);
    if (format === 'text' && shown.length) text += '\n' + guidance(shown.length, keys !== undefined);
    emit(text, argv.output as string | undefined);
  }
  return shown.length ? EXIT.FINDINGS : EXIT.CLEAN;
}
