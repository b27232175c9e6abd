// The command registry. Each command module exports command, describe, builder, handler (returns the exit code).
// To add a command: one import line and one entry in COMMANDS.
import * as audit from './audit.js';
import * as ci from './ci.js';
import * as baseline from './baseline.js';
import * as hook from './hook.js';
import * as protect from './protect.js';
import * as rules from './rules.js';
import * as scan from './scan.js';
import * as verify from './verify.js';

export interface CommandModule {
  command: string | string[];
  describe: string;
  builder: (y: import('yargs').Argv) => import('yargs').Argv<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  handler: (argv: Record<string, unknown>) => number | Promise<number>;
}

export const COMMANDS: CommandModule[] = [audit, scan, rules, protect, hook, ci, verify, baseline] as unknown as CommandModule[];
