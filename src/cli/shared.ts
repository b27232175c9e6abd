// CLI plumbing shared by every command: common options, output, exit codes, error printing.
// Owns: the exit-code contract. Only cli/ touches process and yargs.
// May import: everything below cli.
import { writeFileSync, renameSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { Argv, Options } from 'yargs';
import { LeakhoundError, isLeakhoundError } from '../errors/index.js';
import { type LoadedRules, loadRules, parseSize } from '../rules/load.js';
import type { ReportOptions } from '../report/common.js';
import { formatJson, formatJsonl } from '../report/json.js';
import { formatText } from '../report/text.js';
import type { Finding } from '../types/index.js';

/** Stands for a bare '-' on the command line (yargs would drop it). */
export const STDIN_ARG = '\u0000-';

/** Maps the sentinel back to '-'. */
export function dash(v: string): string {
  return v === STDIN_ARG ? '-' : v;
}

/** Exit codes (documented in --help and the README). */
export const EXIT = {
  /** Nothing found (or nothing new with respect to the baseline). */
  CLEAN: 0,
  /** Leaks found (new ones, with a baseline). */
  FINDINGS: 1,
  /** Usage error, bad input, bad rule/config/baseline file, or an error while scanning. */
  ERROR: 2,
} as const;

export const EXIT_CODES_HELP = 'Exit codes: 0 no leaks found, 1 leaks found, 2 usage or input error.';

/** Options every rule-loading command takes. Plain data: yargs gets them through `.options()`, and the pre-commit
 * fast path (fast-args.ts) parses the same declarations without loading yargs. */
export const RULE_OPTIONS = {
  config: { alias: 'c', type: 'string', describe: 'Config file (default: .leakhound.toml in the repository or current directory, or $LEAKHOUND_CONFIG)' },
  rules: { type: 'string', array: true, describe: 'Extra rule files (YAML, the patterns/ format)' },
  'disable-rule': { type: 'string', array: true, describe: 'Disable rules by id or id prefix (e.g. generic)' },
  'enable-rule': { type: 'string', array: true, describe: 'Run only these rules (ids or id prefixes)' },
  // Declared as `default-rules` so that yargs' negation `--no-default-rules` is a known option under .strict().
  'default-rules': { type: 'boolean', describe: 'Load the built-in rules (--no-default-rules: only the rules given with --rules or the config)' },
} as const satisfies Record<string, Options>;

export function outputOptionSpec<F extends string>(formats: readonly F[]) {
  return {
    format: { alias: 'f', choices: formats, default: 'text', describe: 'Report format' },
    output: { alias: 'o', type: 'string', describe: 'Write the report to FILE instead of stdout' },
    redact: { type: 'boolean', default: true, describe: 'Redact secrets in every output (--no-redact prints them)' },
    color: { type: 'boolean', describe: 'Colour the text report (default: when stdout is a terminal)' },
  } as const satisfies Record<string, Options>;
}

export function ruleOptions<T>(y: Argv<T>) {
  return y.options(RULE_OPTIONS);
}

export function outputOptions<T>(y: Argv<T>, formats: readonly string[]) {
  return y.options(outputOptionSpec(formats));
}

export function loadRulesFromArgs(argv: Record<string, unknown>, root: string): LoadedRules {
  const o: Parameters<typeof loadRules>[0] = { root };
  if (typeof argv.config === 'string') o.config = argv.config;
  if (Array.isArray(argv.rules)) o.ruleFiles = argv.rules as string[];
  if (Array.isArray(argv.disableRule)) o.disable = argv.disableRule as string[];
  if (Array.isArray(argv.enableRule)) o.enableOnly = argv.enableRule as string[];
  if (argv.defaultRules === false) o.noDefault = true;
  return loadRules(o);
}

export function sizeArg(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseSize(v, 'command line', flag);
  } catch {
    throw new LeakhoundError('E_USAGE', `${flag}: expected a size like 10MB, got ${JSON.stringify(v)}`);
  }
}

export function render(format: string, findings: Finding[], o: ReportOptions): string {
  switch (format) {
    case 'json':
      return formatJson(findings, o);
    case 'jsonl':
      return formatJsonl(findings, o);
    default:
      return formatText(findings, o);
  }
}

let stdoutGuarded = false;

/**
 * A closed pipe on stdout (`leakhound rules list | head`) ends the run quietly, as it does for any Unix filter,
 * instead of an unhandled EPIPE with a stack trace. Attached on first use: creating process.stdout costs start-up.
 */
export function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.CLEAN);
    throw e;
  });
}

/** Writes the report to --output (atomically) or stdout. */
export function emit(text: string, output: string | undefined): void {
  if (output && dash(output) !== '-') {
    const tmp = join(dirname(output), `.${basename(output)}.leakhound-tmp-${process.pid}`);
    try {
      writeFileSync(tmp, text);
      renameSync(tmp, output);
    } catch (e) {
      throw new LeakhoundError('E_READ', `cannot write report to ${output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  } else {
    guardStdout();
    process.stdout.write(text);
  }
}

export function colorFor(argv: Record<string, unknown>): boolean {
  if (typeof argv.color === 'boolean') return argv.color;
  return !argv.output && process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/** One clear line for an error; never a stack trace (LEAKHOUND_DEBUG=1 shows it). */
export function printError(e: unknown): number {
  if (isLeakhoundError(e)) process.stderr.write(`leakhound: error: ${e.message}\n`);
  else {
    const err = e as Error;
    process.stderr.write(`leakhound: internal error: ${err?.message ?? String(e)}\n`);
  }
  if (process.env.LEAKHOUND_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
  return EXIT.ERROR;
}

export function readStdin(): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    process.stdin.on('error', reject);
  });
}
