// Rule pattern parser: one syntax, two engines.
// Owns: parsing a rule pattern (the common subset of RE2 and ECMAScript syntax) into an AST, and emitting
// equivalent sources for V8's RegExp and for RE2, so that both engines give the same matches.
// May import: errors.
//
// Why a parser of our own: RE2 and V8 disagree on details (`\s`, `.`, inline flags, named groups, `\z`), and the
// safety analysis (safety.ts) needs the structure to prove a pattern cannot backtrack catastrophically. Constructs
// only one engine understands are rejected with a message, rather than silently meaning different things.

export interface CharSet {
  /** Sorted, non-overlapping inclusive UTF-16 code-unit ranges. */
  ranges: Array<[number, number]>;
}

export type Node =
  | { t: 'set'; set: CharSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; capture: number; name?: string; body: Node }
  | { t: 'repeat'; body: Node; min: number; max: number; greedy: boolean }
  | { t: 'assert'; kind: 'start' | 'end' | 'word' | 'nonword' };

export interface ParsedPattern {
  ast: Node;
  flags: { i: boolean; s: boolean; m: boolean };
  groupCount: number;
  groupNames: Map<string, number>;
}

export class PatternError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const MAX_CODE = 0xffff;

export function normalizeSet(ranges: Array<[number, number]>): CharSet {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return { ranges: out };
}

export function negateSet(set: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [a, b] of set.ranges) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CODE) out.push([next, MAX_CODE]);
  return { ranges: out };
}

/** Adds the other ASCII case of every letter in the set (the `i` flag; rules are ASCII by convention). */
export function foldSet(set: CharSet): CharSet {
  const extra: Array<[number, number]> = [];
  for (const [a, b] of set.ranges) {
    const lo = Math.max(a, 0x41);
    const hi = Math.min(b, 0x5a);
    if (lo <= hi) extra.push([lo + 32, hi + 32]);
    const lo2 = Math.max(a, 0x61);
    const hi2 = Math.min(b, 0x7a);
    if (lo2 <= hi2) extra.push([lo2 - 32, hi2 - 32]);
  }
  return normalizeSet([...set.ranges.map((r) => [r[0], r[1]] as [number, number]), ...extra]);
}

const DIGIT: Array<[number, number]> = [[0x30, 0x39]];
const WORD: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
// RE2's \s: [\t\n\f\r ]. We give it the same meaning in V8 (whose \s also has \v and Unicode spaces).
const SPACE: Array<[number, number]> = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];

class Parser {
  pos = 0;
  groupCount = 0;
  groupNames = new Map<string, number>();
  constructor(readonly src: string) {}

  fail(msg: string, at = this.pos): never {
    throw new PatternError(msg, at);
  }

  peek(): string | undefined {
    return this.src[this.pos];
  }

  parseAlt(): Node {
    const alts: Node[] = [this.parseSeq()];
    while (this.peek() === '|') {
      this.pos++;
      alts.push(this.parseSeq());
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  parseSeq(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      let atom = this.parseAtom();
      atom = this.parseQuantifier(atom);
      items.push(atom);
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  parseQuantifier(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let max: number;
    const at = this.pos;
    if (c === '*') {
      min = 0;
      max = Infinity;
      this.pos++;
    } else if (c === '+') {
      min = 1;
      max = Infinity;
      this.pos++;
    } else if (c === '?') {
      min = 0;
      max = 1;
      this.pos++;
    } else if (c === '{') {
      const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) this.fail("'{' must start a repetition like {3}, {2,5} or {2,}; write \\{ for a literal brace");
      min = Number(m[1]);
      max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min;
      if (max < min) this.fail(`repetition {${min},${max}} has max < min`, at);
      if (min > 1000 || (max !== Infinity && max > 1000)) this.fail('repetition count over 1000 (RE2 limit)', at);
      this.pos += m[0].length;
    } else return atom;
    if (atom.t === 'assert') this.fail('an assertion (^, $, \\b) cannot be repeated', at);
    let greedy = true;
    if (this.peek() === '?') {
      greedy = false;
      this.pos++;
    }
    const next = this.peek();
    if (next === '*' || next === '+' || next === '{' || (next === '?' && !greedy))
      this.fail('nested quantifier without a group');
    return { t: 'repeat', body: atom, min, max, greedy };
  }

  parseAtom(): Node {
    const at = this.pos;
    const c = this.src[this.pos++]!;
    switch (c) {
      case '(':
        return this.parseGroup(at);
      case '[':
        return { t: 'set', set: this.parseClass() };
      case '.':
        return { t: 'set', set: { ranges: [] } /* resolved by dot handling below */, ...{ dot: true } } as Node;
      case '^':
        return { t: 'assert', kind: 'start' };
      case '$':
        return { t: 'assert', kind: 'end' };
      case '\\':
        return this.parseEscape(false);
      case '*':
      case '+':
      case '?':
        return this.fail(`quantifier '${c}' with nothing to repeat`, at);
      case '{':
        return this.fail("literal '{' must be escaped as \\{", at);
      case '}':
        return this.fail("literal '}' must be escaped as \\}", at);
      case ']':
        return this.fail("literal ']' must be escaped as \\]", at);
      default:
        return { t: 'set', set: { ranges: [[c.charCodeAt(0), c.charCodeAt(0)]] } };
    }
  }

  parseGroup(at: number): Node {
    if (this.src.startsWith('?:', this.pos)) {
      this.pos += 2;
      const body = this.parseAlt();
      this.expect(')', at);
      return { t: 'group', capture: 0, body };
    }
    let name: string | undefined;
    if (this.src.startsWith('?<', this.pos) || this.src.startsWith('?P<', this.pos)) {
      const la = this.src[this.pos + 2];
      if (this.src.startsWith('?<', this.pos) && (la === '=' || la === '!'))
        this.fail('lookbehind is not supported (RE2 has none): restructure the pattern or use an allowlist', at);
      this.pos += this.src[this.pos + 1] === 'P' ? 3 : 2;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)>/.exec(this.src.slice(this.pos));
      if (!m) this.fail('bad group name', at);
      name = m[1]!;
      if (this.groupNames.has(name)) this.fail(`duplicate group name '${name}'`, at);
      this.pos += m[0].length;
    } else if (this.peek() === '?') {
      const la = this.src[this.pos + 1];
      if (la === '=' || la === '!')
        this.fail('lookahead is not supported (RE2 has none): restructure the pattern or use an allowlist', at);
      if (la && /[imsU-]/.test(la))
        this.fail("inline flags are only allowed at the very start, e.g. '(?i)...', or in the rule's `flags`", at);
      this.fail('unsupported group syntax', at);
    }
    const index = ++this.groupCount;
    if (name) this.groupNames.set(name, index);
    const body = this.parseAlt();
    this.expect(')', at);
    return name ? { t: 'group', capture: index, name, body } : { t: 'group', capture: index, body };
  }

  expect(ch: string, openedAt: number): void {
    if (this.peek() !== ch) this.fail(`missing '${ch}' for the group opened here`, openedAt);
    this.pos++;
  }

  /** Escape outside or inside a class. Returns a set or an assertion. */
  parseEscape(inClass: boolean): Node {
    const at = this.pos - 1;
    const c = this.src[this.pos++];
    if (c === undefined) this.fail('pattern ends with a lone backslash', at);
    const single = (code: number): Node => ({ t: 'set', set: { ranges: [[code, code]] } });
    switch (c) {
      case 'd':
        return { t: 'set', set: normalizeSet(DIGIT) };
      case 'D':
        return { t: 'set', set: negateSet(normalizeSet(DIGIT)) };
      case 'w':
        return { t: 'set', set: normalizeSet(WORD) };
      case 'W':
        return { t: 'set', set: negateSet(normalizeSet(WORD)) };
      case 's':
        return { t: 'set', set: normalizeSet(SPACE) };
      case 'S':
        return { t: 'set', set: negateSet(normalizeSet(SPACE)) };
      case 'b':
        if (inClass) this.fail('\\b inside a class is ambiguous between engines; use \\x08', at);
        return { t: 'assert', kind: 'word' };
      case 'B':
        if (inClass) this.fail('\\B inside a class', at);
        return { t: 'assert', kind: 'nonword' };
      case 'n':
        return single(10);
      case 'r':
        return single(13);
      case 't':
        return single(9);
      case 'f':
        return single(12);
      case 'v':
        return single(11);
      case 'x': {
        const m = /^(?:([0-9A-Fa-f]{2})|\{([0-9A-Fa-f]{1,4})\})/.exec(this.src.slice(this.pos));
        if (!m) this.fail('\\x needs two hex digits or {hex}', at);
        this.pos += m[0].length;
        return single(parseInt(m[1] ?? m[2]!, 16));
      }
      case 'u': {
        const m = /^[0-9A-Fa-f]{4}/.exec(this.src.slice(this.pos));
        if (!m) this.fail('\\u needs four hex digits', at);
        this.pos += 4;
        return single(parseInt(m[0], 16));
      }
      default:
        if (/[0-9]/.test(c)) this.fail('backreferences are not supported (RE2 has none)', at);
        if (c === 'k') this.fail('named backreferences are not supported (RE2 has none)', at);
        if (c === 'p' || c === 'P') this.fail('Unicode classes (\\p) are not supported: write the ASCII class', at);
        if (c === 'A' || c === 'z' || c === 'Z') this.fail(`\\${c} is RE2-only: use ^ or $`, at);
        if (/[A-Za-z]/.test(c)) this.fail(`unknown escape \\${c}`, at);
        return single(c.charCodeAt(0));
    }
  }

  parseClass(): CharSet {
    const at = this.pos - 1;
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    if (this.peek() === ']') this.fail("a class cannot start with ']': escape it as \\]", at);
    if (this.src.startsWith('[:', this.pos)) this.fail('POSIX classes like [[:alpha:]] are RE2-only', at);
    const ranges: Array<[number, number]> = [];
    const readOne = (): CharSet | number => {
      const ch = this.src[this.pos++];
      if (ch === undefined) this.fail("unterminated character class: missing ']'", at);
      if (ch === '\\') {
        const node = this.parseEscape(true);
        if (node.t !== 'set') this.fail('bad escape in class', at);
        const r = node.set.ranges;
        return r.length === 1 && r[0]![0] === r[0]![1] ? r[0]![0] : node.set;
      }
      if (ch === '[') this.fail("literal '[' inside a class must be escaped as \\[", this.pos - 1);
      return ch.charCodeAt(0);
    };
    for (;;) {
      if (this.peek() === undefined) this.fail("unterminated character class: missing ']'", at);
      if (this.peek() === ']') {
        this.pos++;
        break;
      }
      const first = readOne();
      if (typeof first !== 'number') {
        ranges.push(...first.ranges);
        continue;
      }
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const second = readOne();
        if (typeof second !== 'number') this.fail('a class escape cannot end a range', at);
        if (second < first) this.fail('range out of order in character class', at);
        ranges.push([first, second]);
      } else ranges.push([first, first]);
    }
    const set = normalizeSet(ranges);
    return negate ? negateSet(set) : set;
  }
}

/** Parses a rule pattern. `flags` are the rule's flags; a leading `(?ims)` in the pattern adds to them. */
export function parsePattern(pattern: string, flags = ''): ParsedPattern {
  let src = pattern;
  const f = { i: flags.includes('i'), s: flags.includes('s'), m: flags.includes('m') };
  for (const ch of flags) if (!'ism'.includes(ch)) throw new PatternError(`unknown flag '${ch}' (allowed: i, s, m)`, 0);
  const lead = /^\(\?([ism]+)\)/.exec(src);
  let offset = 0;
  if (lead) {
    for (const ch of lead[1]!) f[ch as 'i' | 's' | 'm'] = true;
    offset = lead[0].length;
    src = src.slice(offset);
  }
  const p = new Parser(src);
  let ast: Node;
  try {
    ast = p.parseAlt();
    if (p.pos < src.length) p.fail("unmatched ')'");
  } catch (e) {
    if (e instanceof PatternError) throw new PatternError(e.message, e.offset + offset);
    throw e;
  }
  ast = resolve(ast, f);
  return { ast, flags: f, groupCount: p.groupCount, groupNames: p.groupNames };
}

/**
 * Gives the dot its meaning under the `s` flag. Case folding (`i`) stays an engine flag for matching (V8 optimises
 * case-insensitive literals better than `[Aa]` classes) and is applied to the sets by the safety analysis.
 */
function resolve(n: Node, f: { i: boolean; s: boolean }): Node {
  switch (n.t) {
    case 'set': {
      const set = (n as { dot?: boolean }).dot
        ? f.s
          ? { ranges: [[0, MAX_CODE]] as Array<[number, number]> }
          : negateSet({ ranges: [[10, 10]] })
        : n.set;
      return { t: 'set', set };
    }
    case 'seq':
      return { t: 'seq', items: n.items.map((x) => resolve(x, f)) };
    case 'alt':
      return { t: 'alt', alts: n.alts.map((x) => resolve(x, f)) };
    case 'group':
      return { ...n, body: resolve(n.body, f) };
    case 'repeat':
      return { ...n, body: resolve(n.body, f) };
    case 'assert':
      return n;
  }
}

function hex4(c: number): string {
  return c.toString(16).padStart(4, '0');
}

function emitChar(c: number, inClass: boolean, engine: 'v8' | 're2'): string {
  if (c >= 0x30 && c <= 0x39) return String.fromCharCode(c);
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) return String.fromCharCode(c);
  if (!inClass && c > 0x20 && c < 0x7f && !'\\^$.|?*+()[]{}/'.includes(String.fromCharCode(c)))
    return String.fromCharCode(c);
  return engine === 'v8' ? `\\u${hex4(c)}` : `\\x{${hex4(c)}}`;
}

function emitSet(set: CharSet, engine: 'v8' | 're2'): string {
  const r = set.ranges;
  if (r.length === 1 && r[0]![0] === r[0]![1]) return emitChar(r[0]![0], false, engine);
  if (r.length === 1 && r[0]![0] === 0 && r[0]![1] === MAX_CODE)
    return engine === 'v8' ? '[\\s\\S]' : '(?s:.)';
  // A set that covers everything but a few code units is written negated (keeps sources short and lets RE2
  // match astral characters as one code point where V8 sees two units: both still match any of them).
  const covers = r.reduce((n, [a, b]) => n + b - a + 1, 0);
  if (covers > 0x8000) {
    const neg = negateSet(set);
    return '[^' + neg.ranges.map(([a, b]) => (a === b ? emitChar(a, true, engine) : `${emitChar(a, true, engine)}-${emitChar(b, true, engine)}`)).join('') + ']';
  }
  return '[' + r.map(([a, b]) => (a === b ? emitChar(a, true, engine) : `${emitChar(a, true, engine)}-${emitChar(b, true, engine)}`)).join('') + ']';
}

/** Emits an equivalent source for one engine. The dot is resolved; pass the `i` and `m` flags to the engine. */
export function emit(n: Node, engine: 'v8' | 're2'): string {
  switch (n.t) {
    case 'set':
      return emitSet(n.set, engine);
    case 'seq':
      return n.items.map((x) => emit(x, engine)).join('');
    case 'alt':
      return n.alts.map((x) => emit(x, engine)).join('|');
    case 'group':
      return (n.capture ? '(' : '(?:') + emit(n.body, engine) + ')';
    case 'repeat': {
      let body = emit(n.body, engine);
      const b = n.body;
      const atomic = b.t === 'set' || b.t === 'group';
      if (!atomic) body = `(?:${body})`;
      const q =
        n.min === 0 && n.max === Infinity
          ? '*'
          : n.min === 1 && n.max === Infinity
            ? '+'
            : n.min === 0 && n.max === 1
              ? '?'
              : n.max === Infinity
                ? `{${n.min},}`
                : n.min === n.max
                  ? `{${n.min}}`
                  : `{${n.min},${n.max}}`;
      return body + q + (n.greedy ? '' : '?');
    }
    case 'assert':
      return n.kind === 'start' ? '^' : n.kind === 'end' ? '$' : n.kind === 'word' ? '\\b' : '\\B';
  }
}

/** Longest possible match in UTF-16 units, or Infinity. */
export function maxLength(n: Node): number {
  switch (n.t) {
    case 'set':
      return 1;
    case 'assert':
      return 0;
    case 'seq':
      return n.items.reduce((s, x) => s + maxLength(x), 0);
    case 'alt':
      return Math.max(...n.alts.map(maxLength));
    case 'group':
      return maxLength(n.body);
    case 'repeat':
      return n.max === Infinity ? (maxLength(n.body) === 0 ? 0 : Infinity) : n.max * maxLength(n.body);
  }
}

/** Whether any node of the tree satisfies `pred`. */
export function someNode(n: Node, pred: (x: Node) => boolean): boolean {
  if (pred(n)) return true;
  switch (n.t) {
    case 'seq':
      return n.items.some((x) => someNode(x, pred));
    case 'alt':
      return n.alts.some((x) => someNode(x, pred));
    case 'group':
    case 'repeat':
      return someNode(n.body, pred);
    default:
      return false;
  }
}

/** Whether the pattern can match across a line break. */
export function canMatchNewline(n: Node): boolean {
  return someNode(n, (x) => x.t === 'set' && x.set.ranges.some(([a, b]) => (a <= 10 && b >= 10) || (a <= 13 && b >= 13)));
}
