// `leakhound protect` as git hooks and the pre-commit framework run it, without yargs (see fast-args.ts).
// Used by main.ts, and bundled on its own as dist/leakhound-protect.cjs (scripts/bundle.mjs): the loader runs that
// small bundle for `protect`, and the whole CLI only when these arguments need the full parser.
// May import: ./commands/protect, ./fast-args, ./shared.
import { parseSimple } from './fast-args.js';
import { STDIN_ARG, printError } from './shared.js';

/** The exit code, or undefined when the arguments (after `node leakhound`) are not a plain `protect` run. */
export async function runFastProtect(argv: readonly string[]): Promise<number | undefined> {
  if (argv[0] !== 'protect') return undefined;
  // yargs drops a bare '-': the full parser gets those (parseSimple declines the sentinel).
  const args = argv.map((a) => (a === '-' ? STDIN_ARG : a));
  try {
    const protect = await import('./commands/protect.js');
    const parsed = parseSimple(args.slice(1), protect.options, protect.positional);
    return parsed === null ? undefined : await protect.handler(parsed);
  } catch (e) {
    return printError(e);
  }
}
