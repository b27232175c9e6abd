#!/usr/bin/env node
// The leakhound command line. The only module that calls process.exit.
import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from '../rules/load.js';
import { COMMANDS, type CommandModule } from './commands/index.js';
import { parseSimple } from './fast-args.js';
import { runFastProtect } from './fast-protect.js';
import { EXIT, EXIT_CODES_HELP, STDIN_ARG, guardStdout, printError } from './shared.js';

async function main(): Promise<number> {
  let code: number = EXIT.CLEAN;
  const fast = (await runFastProtect(process.argv.slice(2))) ?? (await runFastAudit(process.argv.slice(2)));
  if (fast !== undefined) return fast;
  // yargs drops a bare '-' argument: carry it through as a sentinel that commands map back.
  const args = process.argv.slice(2).map((a) => (a === '-' ? STDIN_ARG : a));
  guardStdout();
  // The bundled CLI runs inside vm.Script (for V8's code cache, see scripts/bundle.mjs), where Node 20 cannot run
  // import(); its loader hands over its own.
  const loaderImport = (globalThis as { __leakhoundImport?: (s: string) => Promise<typeof import('yargs')> }).__leakhoundImport;
  const { default: yargs } = await (loaderImport ? loaderImport('yargs') : import('yargs'));
  const version = (JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string }).version;
  let y = yargs(args)
    .scriptName('leakhound')
    .usage('$0 <command> [options]\n\nFinds secrets committed to git: pre-commit hook, full-history audit, CI job, baseline ledger.')
    .version(version)
    .help()
    .alias('h', 'help')
    .strict()
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .wrap(Math.min(120, process.stdout.columns || 100))
    .epilog(EXIT_CODES_HELP + '\nDocs: README.md. Secrets are redacted in every output unless --no-redact is given.')
    .fail((msg, err) => {
      if (err) throw err;
      throw Object.assign(new Error(msg), { usage: true });
    });
  // Only the command being run is loaded; the others are listed by name for the help and for suggestions.
  const wanted = args.find((a) => !a.startsWith('-'));
  let run: CommandModule | undefined;
  for (const c of COMMANDS) {
    if (c.name === wanted) {
      run = await c.load();
      // No handler is given to yargs: it would render and cache the command's whole help text after calling one
      // (23 ms for protect, 100 ms for audit, on every run). The handler runs below, once parsing succeeded.
      y = y.command(run.command, run.describe, run.builder);
    } else y = y.command(c.command, c.describe);
  }
  // yargs renders and caches the command's whole help text after every command it runs (for failures of async
  // handlers, which ours never hand back to it): 20-30 ms of cliui work per run, skipped.
  (y as unknown as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } }).getInternalMethods().getUsageInstance().cacheHelpMessage = () => undefined;
  try {
    const argv = (await y.parseAsync()) as Record<string, unknown> & { _: Array<string | number> };
    if (run && argv._[0] === wanted) code = await run.handler(argv);
  } catch (e) {
    if ((e as { usage?: boolean }).usage) {
      process.stderr.write(`leakhound: ${(e as Error).message}\nRun 'leakhound --help' for usage.\n`);
      return EXIT.ERROR;
    }
    return printError(e);
  }
  return code;
}

/** `leakhound audit` with plain arguments, without yargs (see fast-args.ts); undefined when they need yargs. */
async function runFastAudit(argv: readonly string[]): Promise<number | undefined> {
  if (argv[0] !== 'audit') return undefined;
  const audit = await import('./commands/audit.js');
  const parsed = parseSimple(argv.slice(1), audit.options, audit.positional);
  if (parsed === null) return undefined;
  guardStdout();
  try {
    return await audit.handler(parsed);
  } catch (e) {
    return printError(e);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = printError(e);
  },
);
