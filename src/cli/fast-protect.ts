// `leakhound protect` as git hooks and the pre-commit framework run it, without yargs (see fast-args.ts).
// Used by main.ts, and bundled on its own as dist/leakhound-protect.cjs (scripts/bundle.mjs): the loader runs that
// small bundle for `protect`, and the whole CLI only when these arguments need the full parser.
// May import: ./commands/protect, ./fast-args, ./shared.
import { parseSimple } from './fast-args.js';
import { printError } from './shared.js';

/** The exit code, or undefined when the arguments (after `node leakhound`) are not a plain `protect` run. */
export async function runFastProtect(argv: readonly string[]): Promise<number | undefined> {
  if (argv[0] !== 'protect') return undefined;
  try {
    const protect = await import('./commands/protect.js');
    // A bare '-' (stdin) is declined here and handled by the full parser.
    const parsed = parseSimple(argv.slice(1), protect.options, protect.positional);
    return parsed === null ? undefined : await protect.handler(parsed);
  } catch (e) {
    return printError(e);
  }
}
