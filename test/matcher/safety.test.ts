// The linear-time guarantee: patterns that could backtrack catastrophically never run on V8.
import { describe, expect, it } from 'vitest';
import { Matcher, compilePattern } from '../../src/matcher/index.js';
import { parsePattern } from '../../src/matcher/regex/parse.js';
import { V8_COST_BUDGET, analyze } from '../../src/matcher/regex/safety.js';
import type { RuleSpec } from '../../src/types/index.js';

const verdict = (p: string, f = '') => {
  const pp = parsePattern(p, f);
  return analyze(pp.ast, pp.flags.i);
};

function rule(id: string, pattern: string, keywords: string[]): RuleSpec {
  return { id, name: id, pattern, flags: '', secretGroup: 0, keywords, allowSecrets: [], stopwords: [], allowRegexes: [], allowPaths: [], paths: [], multiline: false, severity: 'low', remediation: 'x', references: [], tags: [], examples: [], negativeExamples: [], source: { file: 'test', line: 1 } };
}

describe('safety analysis', () => {
  it.each([
    ['(a|a){1,30}', 'exponential: ambiguous alternation under repetition'],
    ['(?:a{0,10}){0,10}b', 'polynomial: nested counted repetition'],
    ['[a-z]+@', 'unbounded repetition'],
    ['(a+)+b', 'the classic'],
    ['(?:\\w{0,30}\\w{0,30}){0,4}=', 'adjacent overlapping classes under repetition'],
  ])('sends %s to RE2 (%s)', (p) => {
    expect(verdict(p).engine).toBe('re2');
  });

  it.each(['\\b(ghp_[A-Za-z0-9]{36})\\b', '(?i)password\\s{0,3}[:=]\\s{0,3}"([^"]{8,64})"', 'AKIA[A-Z2-7]{16}'])('proves %s safe for V8 under the budget', (p) => {
    const v = verdict(p);
    expect(v.engine).toBe('v8');
    expect(v.costPerStart).toBeLessThanOrEqual(V8_COST_BUDGET);
  });

  it('counts case-insensitive alternatives that collide after folding', () => {
    // 'A' and 'a' are the same under (?i): the analysis must see the ambiguity.
    expect(verdict('(?:A|a){1,40}', 'i').costPerStart).toBeGreaterThan(verdict('(?:A|b){1,40}').costPerStart);
  });

  it('a catastrophic user rule still completes on adversarial input, through RE2', () => {
    const evil = rule('user.evil', '(a|aa){1,25}(b|ab){0,3}c', ['aa']);
    const c = compilePattern(evil.pattern, '');
    expect(c.engine).toBe('re2');
    const m = new Matcher([evil]);
    const input = 'a'.repeat(200_000);
    const t0 = performance.now();
    expect(m.scanText(input, 'u').matches).toHaveLength(0);
    // RE2 is linear: 200 KB of the worst input takes well under the seconds a backtracker would need (2^25 paths
    // per start). Generous bound: this detects a catastrophe, it is not a benchmark.
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('rejects constructs one engine lacks, with the offset', () => {
    expect(() => parsePattern('a(?=b)')).toThrow(/lookahead/);
    expect(() => parsePattern('(a)\\1')).toThrow(/backreference/);
    expect(() => parsePattern('a(?i)b')).toThrow(/inline flags/);
    expect(() => parsePattern('[[:alpha:]]')).toThrow(/POSIX/);
  });
});
