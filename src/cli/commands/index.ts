// The command registry. Each command module exports command, describe, builder, handler (returns the exit code).
// Modules are loaded lazily: start-up pays only for the command being run (the pre-commit hook must start fast),
// so names and one-line descriptions for the top-level help live here, and a test checks they match the modules.
// To add a command: one entry in COMMANDS.
import type { Argv } from 'yargs';

export interface CommandModule {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  handler: (argv: Record<string, unknown>) => number | Promise<number>;
}

export interface CommandEntry {
  name: string;
  command: string;
  describe: string;
  load: () => Promise<CommandModule>;
}

const mod = (p: Promise<unknown>): Promise<CommandModule> => p as Promise<CommandModule>;

export const COMMANDS: CommandEntry[] = [
  { name: 'audit', command: 'audit [repo]', describe: 'Scan the whole history of a repository (every commit of every ref): each secret once, with where it came in and went out', load: () => mod(import('./audit.js')) },
  { name: 'scan', command: 'scan <paths..>', describe: 'Scan files, directories (honouring .gitignore) or stdin (-) for secrets', load: () => mod(import('./scan.js')) },
  { name: 'protect', command: 'protect [files..]', describe: 'Pre-commit check: block a commit that adds secrets (staged changes, or the files named)', load: () => mod(import('./protect.js')) },
  { name: 'ci', command: 'ci', describe: 'CI job: scan what a pull/merge request or push adds (GitHub Actions, GitLab CI), annotate, fail on new leaks', load: () => mod(import('./ci.js')) },
  { name: 'baseline', command: 'baseline <action> [args..]', describe: 'The baseline ledger (.leakhound-baseline.json): record known leaks, triage them, block only new ones', load: () => mod(import('./baseline.js')) },
  { name: 'verify', command: 'verify [repo]', describe: 'Check whether the findings of a baseline (re-audits the repository to recover the secrets) or of an unredacted JSON report are live', load: () => mod(import('./verify.js')) },
  { name: 'hook', command: 'hook <action>', describe: 'Install leakhound protect as the git pre-commit hook (or into .husky/pre-commit)', load: () => mod(import('./hook.js')) },
  { name: 'rules', command: 'rules <action> [files..]', describe: 'List the rules, or check rule files (compile in RE2, prove backtracking safety, run examples)', load: () => mod(import('./rules.js')) },
];
