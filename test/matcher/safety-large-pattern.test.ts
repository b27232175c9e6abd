// Regression (fixed): the safety analysis recursed once per automaton state, so a large bounded
// pattern (three big counted repetitions, as a JWT pattern has) overflows the call stack instead of being sent to
// RE2 with a "too large to analyse" verdict. The rule file then fails to load with a RangeError.
// May import: matcher/regex.
import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/matcher/regex/parse.js';
import { analyze } from '../../src/matcher/regex/safety.js';

describe('matcher bug: safety analysis on large bounded patterns', () => {
  it('returns a verdict (RE2 if it cannot prove the bound) rather than throwing', () => {
    const p = parsePattern('\\b(eyJ[A-Za-z0-9_-]{10,1000}\\.eyJ[A-Za-z0-9_-]{10,1000}\\.[A-Za-z0-9_-]{20,600})');
    let verdict: ReturnType<typeof analyze> | undefined;
    expect(() => {
      verdict = analyze(p.ast, p.flags.i);
    }).not.toThrow();
    expect(verdict?.engine).toMatch(/^(v8|re2)$/);
  });
});
