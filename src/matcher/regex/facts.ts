// What the matcher needs to know about a pattern, without the AST: the two engines' sources and the window facts.
// Computed once from the parse, and stored in the built-in rules cache so start-up parses no pattern.
// May import: ./parse.
import { canMatchNewline, emit, maxLength, parsePattern, someNode } from './parse.js';

export interface PatternFacts {
  v8: string;
  re2: string;
  i: boolean;
  m: boolean;
  /** Longest match in UTF-16 units; null when unbounded. */
  maxLen: number | null;
  /** The pattern can match a line break. */
  multiline: boolean;
  /** Has `^` or `$` without the m flag (anchored to the whole input). */
  anchoredToUnit: boolean;
  groupCount: number;
  groupNames: Array<[string, number]>;
}

export function factsOf(pattern: string, flags: string): PatternFacts {
  const p = parsePattern(pattern, flags);
  const max = maxLength(p.ast);
  return {
    v8: emit(p.ast, 'v8'),
    re2: emit(p.ast, 're2'),
    i: p.flags.i,
    m: p.flags.m,
    maxLen: Number.isFinite(max) ? max : null,
    multiline: canMatchNewline(p.ast),
    anchoredToUnit: !p.flags.m && someNode(p.ast, (x) => x.t === 'assert' && (x.kind === 'start' || x.kind === 'end')),
    groupCount: p.groupCount,
    groupNames: [...p.groupNames.entries()],
  };
}
