// The fast path of `leakhound protect ...` and `leakhound audit ...`: parses them from the same option declarations
// yargs gets (the commands' `options`), without loading yargs. Why: the hook runs on every commit with a 150 ms budget
// including Node's start-up, and loading yargs (with cliui, string-width and y18n) costs ~60-80 ms on a slow machine,
// more than the whole scan; in an audit those ~70-100 ms come before the walk and the matcher worker start, and
// everything after waits for them. This is not a second CLI: it accepts only the plain forms (`--opt value`, `--opt=value`,
// `-b value`, `--flag`, `--no-flag`, positional files) and returns null for anything else (help, version, unknown or
// repeated options, array options, `--`, bundled short flags, a value that is not one of the choices), so that yargs
// parses it and gives the usual help and errors. A test checks that every vector this parser accepts gives the same
// argv as yargs.
// Owns: nothing but that parse. May import: nothing.

export interface FastOption {
  alias?: string;
  /** Numbers are declined (yargs' number parsing is not reproduced here). */
  type?: 'string' | 'boolean' | 'number';
  array?: boolean;
  choices?: readonly string[];
  default?: unknown;
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Parses `args` (after the command name) against `spec`. Returns the argv a handler expects (camel-case keys,
 * defaults applied, positionals under `positional`: an array for `files..`, or one value with its default for
 * `[repo]`), or null when the arguments need the full parser.
 */
export function parseSimple(
  args: readonly string[],
  spec: Readonly<Record<string, FastOption>>,
  positional: string | { readonly name: string; readonly default: string },
): Record<string, unknown> | null {
  const byName = new Map<string, [string, FastOption]>();
  for (const [name, o] of Object.entries(spec)) {
    byName.set(name, [name, o]);
    if (o.alias !== undefined) byName.set(o.alias, [name, o]);
  }
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const files: string[] = [];
  const set = (name: string, o: FastOption, value: unknown): boolean => {
    if (seen.has(name) || o.array === true) return false;
    if (o.choices !== undefined && !o.choices.includes(value as string)) return false;
    seen.add(name);
    out[camel(name)] = value;
    return true;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '' || a === '-') return null; // an empty argument, stdin: yargs' business
    if (a[0] !== '-') {
      files.push(a);
      continue;
    }
    const long = a.startsWith('--');
    if (!long && a.length !== 2) return null; // -abc, -b=x
    let key = long ? a.slice(2) : a.slice(1);
    let inline: string | undefined;
    const eq = key.indexOf('=');
    if (eq >= 0) {
      if (!long) return null;
      inline = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    if (long && inline === undefined && key.startsWith('no-')) {
      // --no-redact, --no-inline-allow, --no-default-rules: a declared boolean set to false.
      const base = key.slice(3);
      const neg = spec[base];
      if (neg === undefined || neg.type !== 'boolean' || !set(base, neg, false)) return null;
      continue;
    }
    const hit = byName.get(key);
    // Long forms must be the declared name, short forms the declared alias.
    if (hit === undefined || (long ? hit[0] !== key : hit[1].alias !== key)) return null;
    const [name, o] = hit;
    if (o.type === 'number') return null;
    if (o.type === 'boolean') {
      if (inline !== undefined || args[i + 1] === 'true' || args[i + 1] === 'false') return null;
      if (!set(name, o, true)) return null;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = args[++i];
      if (value === undefined || value.startsWith('-')) return null;
    }
    if (!set(name, o, value)) return null;
  }
  for (const [name, o] of Object.entries(spec)) {
    if (o.default !== undefined && !seen.has(name)) out[camel(name)] = o.default;
  }
  if (typeof positional === 'string') out[positional] = files;
  else if (files.length > 1) return null; // strict mode's "Unknown argument": yargs' message
  else out[positional.name] = files[0] ?? positional.default;
  out['_'] = [];
  return out;
}
